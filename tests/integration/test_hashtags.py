"""Hashtag readings through the real broker: the aggregator's second agent stores them,
`GET /v1/specials` equals the truth, invalid readings land in their dead-letter topic."""

import json
import subprocess

from tests.support.hashtag_scenario import messy_readings
from tests.support.pipeline import LIVEFEST, Pipeline, wait_until
from tests.support.scenario import messy
from tests.support.specials_truth import expected_specials

GARBAGE = [
    b"{not json",
    b'{"schema": "livefest.topicstats.v1", "platform": "douyin", "topic": "x", "special": "launch",'
    b' "observed_at": "2021-10-23T21:30:00+08:00", "reads": 1.5}',
    b'{"schema": "livefest.topicstats.v0"}',
]


def test_hashtag_readings_reach_the_specials_endpoint(pipeline: Pipeline):
    scenario = messy(seed=51, sessions=12, polls=12)
    readings = messy_readings(seed=51, polls=15)
    pipeline.publish(scenario.snapshots)
    pipeline.publish_topic_stats((r.topic.encode(), r.to_json_bytes()) for r in readings)
    pipeline.publish_topic_stats((b"bad", g) for g in GARBAGE)

    wait_until(pipeline.consumed_offsets_caught_up, 90, "the snapshot agent to commit every offset")
    wait_until(lambda: pipeline.consumed_offsets_caught_up(pipeline.topicstats_topic), 90,
               "the hashtag agent to commit every offset")
    assert pipeline.json("/v1/specials") == expected_specials(scenario, readings)

    letters = [json.loads(raw) for raw in
               pipeline.dead_letters(expected=len(GARBAGE), topic=pipeline.topicstats_dlq_topic)]
    assert sorted(letter["reason"] for letter in letters) == ["invalid_fields", "not_json", "wrong_schema"]
    assert {letter["value"].encode() for letter in letters} == set(GARBAGE)
    assert pipeline.aggregator_metric("livefest_aggregator_topicstats_rejected_total", reason="not_json") == 1
    consumed = pipeline.aggregator_metric("livefest_aggregator_topicstats_consumed_total")
    assert consumed == len(readings) + len(GARBAGE)


def test_rebuild_from_the_topics_gives_identical_answers(pipeline: Pipeline):
    scenario = messy(seed=52, sessions=10, polls=10)
    readings = messy_readings(seed=52, polls=8)
    pipeline.publish(scenario.snapshots)
    pipeline.publish_raw((b"bad", g) for g in scenario.garbage)
    pipeline.publish_topic_stats((r.topic.encode(), r.to_json_bytes()) for r in readings)
    wait_until(pipeline.consumed_offsets_caught_up, 90, "the snapshot agent to commit every offset")
    wait_until(lambda: pipeline.consumed_offsets_caught_up(pipeline.topicstats_topic), 90,
               "the hashtag agent to commit every offset")
    paths = ["/v1/totals", "/v1/counties", "/v1/specials", *(f"/v1/sessions/{sid}" for sid in scenario.figures)]
    before = {path: pipeline.json(path) for path in paths}
    assert before["/v1/specials"] == expected_specials(scenario, readings)

    # Rebuilding from the topics replaces the raw tables: with the pipeline stopped (in the
    # production shape its server stops with it, and the command opens the data directory itself).
    pipeline.stop()
    done = subprocess.run([str(LIVEFEST), "rebuild", "--from-topic"], env=pipeline.env, cwd=pipeline.workdir,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"refilled snapshots with {len(scenario.snapshots)} rows" in done.stdout
    assert f"refilled topic_stats with {len(readings)} rows" in done.stdout
    pipeline.start()
    assert {path: pipeline.json(path) for path in paths} == before
