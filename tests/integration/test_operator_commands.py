"""`livefest status` and `livefest dlq` against a running pipeline on the real broker."""

import base64
import json
import re
import subprocess
import time

from prometheus_client import CollectorRegistry, Gauge, start_http_server

from tests.support.pipeline import LIVEFEST, WORKERS, Pipeline, free_port, wait_until
from tests.support.scenario import messy


def livefest(pipeline: Pipeline, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LIVEFEST), *args], env={**pipeline.env, **env}, capture_output=True, text=True,
                          timeout=60, cwd=pipeline.workdir)


def test_status_and_dead_letters_round_trip(pipeline: Pipeline):
    scenario = messy(seed=51, sessions=9, polls=6)
    pipeline.publish(scenario.snapshots)
    pipeline.publish_raw((b"bad", g) for g in scenario.garbage)
    wait_until(pipeline.consumed_offsets_caught_up, 90, "the aggregator to commit every offset")
    pipeline.dead_letters(expected=len(scenario.garbage))

    # An ingest /metrics stand-in: status only reads the catalogued gauge from it.
    registry = CollectorRegistry()
    polls = Gauge("livefest_ingest_last_success_timestamp_seconds", "t", ["platform"], registry=registry)
    polls.labels("douyin").set(time.time() - 5)
    polls.labels("taobao").set(time.time() - 600)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        result = livefest(pipeline, "status", LIVEFEST_INGEST_METRICS_URL=f"http://127.0.0.1:{port}/metrics")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "reachable" in out and "0 message(s) not yet in ClickHouse" in out
    assert out.count("  partition ") == 4
    assert pipeline.json("/v1/totals")["as_of"] in out
    assert "douyin" in out and "taobao" in out and "stale > 120 s" in out
    assert f"dead letters {len(scenario.garbage)} held" in out
    owned = sorted(int(p) for line in re.findall(r"partitions ([\d, ]+)", out) for p in line.split(","))
    assert owned == [0, 1, 2, 3], "`livefest up`'s workers own the four partitions between them"
    assert "clickhouse  ok" in out and "api         ok" in out
    assert re.search(r"watermark   \S+, [\d,]+ s ago", out), out

    as_json = livefest(pipeline, "status", "--json")
    assert as_json.returncode == 0, as_json.stderr
    facts = json.loads(as_json.stdout)
    assert facts["healthy"] is True and facts["broker_ok"] is True and facts["total_lag"] == 0
    assert facts["watermark"] == pipeline.json("/v1/totals")["as_of"] and facts["watermark_age_seconds"] > 0
    assert (facts["clickhouse"], facts["api"]) == ("ok", "ok")
    assert sorted(p for w in facts["workers"] for p in w["partitions"]) == [0, 1, 2, 3]
    assert len(facts["workers"]) == (1 if pipeline.store == "embedded" else WORKERS)
    assert facts["dlq_held"] == len(scenario.garbage) and facts["topicstats_dlq_held"] == 0

    listed = livefest(pipeline, "dlq", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{len(scenario.garbage)} dead letter(s)" in listed.stdout
    assert "not_json" in listed.stdout and "invalid_fields" in listed.stdout and "wrong_schema" in listed.stdout

    # Without --force, messages the code still rejects are not sent back.
    skipped = livefest(pipeline, "dlq", "republish", "--all")
    assert skipped.returncode == 0 and "re-published 0 message(s)" in skipped.stdout
    assert skipped.stdout.count("skip ") == len(scenario.garbage)

    # Forced: the exact bytes go back to the snapshot topic and are rejected again, once more.
    first = json.loads(pipeline.dead_letters(expected=1)[0])
    sent = livefest(pipeline, "dlq", "republish", "0", "--force")
    assert sent.returncode == 0 and "re-published 1 message(s)" in sent.stdout, sent.stdout + sent.stderr
    letters = [json.loads(raw) for raw in pipeline.dead_letters(expected=len(scenario.garbage) + 1)]
    assert len(letters) == len(scenario.garbage) + 1
    again = letters[-1]
    assert again["value_b64"] == first["value_b64"] and again["reason"] == first["reason"]
    assert base64.b64decode(again["value_b64"]) in scenario.garbage
    assert again["topic"] == pipeline.topic and again["key"] == "bad"

    missing = livefest(pipeline, "dlq", "republish", "999")
    assert missing.returncode != 0 and "no dead letter at offset(s) [999]" in missing.stderr


def test_hashtag_dead_letters_go_back_to_their_own_topic(pipeline: Pipeline):
    pipeline.publish_topic_stats([(b"#bad", b"[1, 2]")])
    first = json.loads(pipeline.dead_letters(expected=1, topic=pipeline.topicstats_dlq_topic)[0])
    assert first["topic"] == pipeline.topicstats_topic

    listed = livefest(pipeline, "dlq", "--dlq", "topicstats", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"1 dead letter(s) in {pipeline.topicstats_dlq_topic}" in listed.stdout and "not_object" in listed.stdout
    assert listed.stderr == "", "no progress bar when stderr is not a terminal"

    sent = livefest(pipeline, "dlq", "--dlq", "topicstats", "republish", "--all", "--force")
    assert sent.returncode == 0, sent.stderr
    assert f"re-published 1 message(s) to {pipeline.topicstats_topic}" in sent.stdout
    # Back on the hashtag topic, rejected there again: the hashtag DLQ holds it twice and
    # the snapshot DLQ never saw it.
    again = [json.loads(raw) for raw in pipeline.dead_letters(expected=2, topic=pipeline.topicstats_dlq_topic)]
    assert len(again) == 2 and again[1]["value_b64"] == first["value_b64"]
    assert again[1]["topic"] == pipeline.topicstats_topic
    assert pipeline.dead_letters(expected=1, timeout_s=3) == []
