"""The ClickHouse server away for 30 s mid-stream (the production shape): nothing is
acknowledged that was not written, the API answers 503 with a JSON error meanwhile and
never hangs, and once the server is back every figure equals the truth."""

import json
import subprocess
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import clickhouse_connect
import httpx
from kafka import TopicPartition

from kernel import kafka_clients
from tests.support.checks import assert_api_matches
from tests.support.pipeline import LIVEFEST, Pipeline, publish_slowly, wait_until
from tests.support.scenario import messy

OUTAGE_S = 30.0
API_BOUND_S = 15.0  # an answer within this, or the API path hangs on ClickHouse


def test_clickhouse_away_for_30_s_mid_stream(tmp_path: Path):
    scenario = messy(seed=62, sessions=60, polls=80)
    pipeline = Pipeline(tmp_path, store="server", extra_env={"LIVEFEST_BATCH_SIZE": "100"})
    # The server is started apart (as `livefest clickhouse start` would), so that the test,
    # not `up`'s supervisor, decides when it comes back; `up` uses the one it finds running.
    clickhouse(pipeline, "start")
    try:
        pipeline.start()  # returns once the workers' group has settled
        publishing = threading.Thread(target=publish_slowly, args=(pipeline.publisher, scenario.snapshots),
                                      kwargs={"pause_s": 0.6})  # fmt: skip
        publishing.start()
        wait_until(pipeline.some_offsets_committed, 60, "the first committed offsets")

        clickhouse(pipeline, "stop")
        away_since = time.monotonic()
        assert publishing.is_alive(), "the outage did not start mid-stream"
        while time.monotonic() - away_since < OUTAGE_S:
            assert_unavailable(pipeline)
            time.sleep(1)
        acknowledged = committed(pipeline)
        wait_until(lambda: pipeline.aggregator_metric("livefest_aggregator_clickhouse_write_errors_total") > 0, 10,
                   "the workers to have met the outage")  # fmt: skip
        clickhouse(pipeline, "start")

        publishing.join()
        wait_until(pipeline.consumed_offsets_caught_up, 120, "the workers to catch up after the outage")
        assert_written(pipeline, acknowledged)
        assert_api_matches(pipeline.json, scenario)
    finally:
        pipeline.close()
        clickhouse(pipeline, "stop")


def clickhouse(pipeline: Pipeline, command: str) -> None:
    done = subprocess.run([str(LIVEFEST), "clickhouse", command], env=pipeline.env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, f"livefest clickhouse {command}: {done.stdout}{done.stderr}"


def assert_unavailable(pipeline: Pipeline) -> None:
    for path in ("/v1/totals", "/healthz"):
        started = time.monotonic()
        response = httpx.get(f"{pipeline.url}{path}", timeout=API_BOUND_S + 5)
        took = time.monotonic() - started
        assert response.status_code == 503 and took < API_BOUND_S, (path, response.status_code, took)
        body = response.json()
        assert body.get("error") or body.get("clickhouse") == "unreachable", body


def committed(pipeline: Pipeline) -> dict[int, int]:
    consumer = kafka_clients.consumer(pipeline.kafka_access, group_id=pipeline.env["LIVEFEST_CONSUMER_GROUP"],
                                      enable_auto_commit=False)  # fmt: skip
    try:
        partitions = consumer.partitions_for_topic(pipeline.topic) or set()
        return {p: consumer.committed(TopicPartition(pipeline.topic, p)) or 0 for p in partitions}
    finally:
        consumer.close()


def assert_written(pipeline: Pipeline, acknowledged: dict[int, int], server: str | None = None) -> None:
    """Every snapshot acknowledged by the end of the outage is in ClickHouse (the pipeline's
    local server, or the DSN `server`). Only identities all of whose copies lie below the
    committed offset count: a lost one can never come back."""
    copies: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for record in read_topic(pipeline):
        copies[(record.key.decode(), _observed_us(record.value))].append((record.partition, record.offset))
    settled = {identity for identity, at in copies.items() if all(o < acknowledged[p] for p, o in at)}
    assert settled, "nothing was acknowledged before the end of the outage"
    if server is None:
        passwords = json.loads((pipeline.data_dir / "clickhouse-server" / "passwords.json").read_text())
        client = clickhouse_connect.get_client(dsn=f"http://127.0.0.1:{pipeline.env['LIVEFEST_CLICKHOUSE_HTTP_PORT']}"
                                               "/livefest", username="livefest_reader", password=passwords["reader"])
    else:
        client = clickhouse_connect.get_client(dsn=server)  # its user and password in the DSN
    rows = client.query("SELECT session_id, toUnixTimestamp64Micro(observed_at) FROM snapshots").result_rows
    missing = settled - {(sid, int(us)) for sid, us in rows}
    where = {identity: copies[identity] for identity in sorted(missing)[:5]}
    assert not missing, f"acknowledged (committed {acknowledged}) but never written: {where}"


def read_topic(pipeline: Pipeline) -> list:  # type: ignore[type-arg]
    consumer = kafka_clients.consumer(pipeline.kafka_access, pipeline.topic, auto_offset_reset="earliest",
                                      enable_auto_commit=False, consumer_timeout_ms=3000)  # fmt: skip
    try:
        return list(consumer)
    finally:
        consumer.close()


def _observed_us(value: bytes) -> int:
    at = datetime.fromisoformat(json.loads(value)["observed_at"])
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
