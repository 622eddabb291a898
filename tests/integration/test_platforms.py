"""Simulated back offices -> adapters -> Kafka -> aggregator -> API, on the real broker:
after the festival, every API figure equals the simulator's `/truth` exactly — with the
back offices misbehaving (429, 5xx, slow answers, expired tokens, malformed bodies), with
the broker away for a while, and with the adapters killed and restarted mid-broadcast."""

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.pipeline import Pipeline, free_port, metric_value, wait_until
from tests.support.platforms import FESTIVAL, PUBLISHING, Platforms, assert_api_equals_truth

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "kafka-local.sh"


def test_up_runs_simulator_and_adapters_and_matches_truth(tmp_path: Path, shape: str):
    pipeline = Pipeline(tmp_path, args=("up", "--speed", "100", *FESTIVAL, "--poll-seconds", "0.3",
                                        "--faults", "0.05"), store=shape)
    platforms = Platforms(pipeline, tmp_path)
    pipeline.env.update(LIVEFEST_SIMULATOR_PORT=str(platforms.port))
    try:
        pipeline.start()
        truth = assert_api_equals_truth(pipeline, platforms)
        truth_reads = {s["special"]: s["reads"] for s in truth["specials"]}
        assert platforms.topic_reads() == truth_reads
        # ... and the aggregator's hashtag figures (GET /v1/specials) equal them too.
        wait_until(lambda: {s["special"]: s["reads"] for s in pipeline.json("/v1/specials")["specials"]}
                   == truth_reads, 30, "/v1/specials to show the simulator's hashtag reads")
        # The status line shows every adapter with figures contributing (mini-program: status only).
        lines = [line for line in pipeline.log_path.read_text().splitlines() if "adapters:" in line]
        counts = dict(re.findall(r"(\w+) (\d[\d,]*)", lines[-1].split("adapters:")[1]))
        assert all(int(counts[p].replace(",", "")) > 0 for p in PUBLISHING), lines[-1]
        # Every 429 (WeChat: errcode 45009) and 5xx the back offices gave on purpose is one failure
        # counted by its reason; read between two counts of the simulator's, so requests still
        # in flight (at most the adapters' concurrency, 4 per platform) are the only slack.
        before = httpx.get(f"{platforms.url}/faults", timeout=10).json()
        text = pipeline.ingest_metrics()
        after = httpx.get(f"{platforms.url}/faults", timeout=10).json()
        answers = {"rate_limit": ("rate_limited", "quota_exhausted"), "server_error": ("server_error",)}
        for fault, reasons in answers.items():
            counted = sum(metric_value(text, "livefest_ingest_failures_total", reason=r) for r in reasons)
            assert before[fault] - 4 * 8 <= counted <= after[fault], (fault, before, counted, after)
            assert after[fault] > 0, fault

        # A second run on the same data directory must behave like the first (`make run` twice).
        pipeline.stop()
        pipeline.start()
        if shape == "server":
            # Its own database: sessions go live long before the first run's watermark comes back.
            wait_until(lambda: pipeline.json("/v1/totals")["sessions_live"] > 0, 60, "live sessions, second run")
            assert pipeline.json("/v1/totals")["as_of"] < truth["as_of"]
            databases = re.findall(r"own ClickHouse database: (festival_\w+)", pipeline.log_path.read_text())
            assert len(set(databases)) == 2, databases
        else:
            # An explicit DSN is used as it is; `up` says what that means and how to start fresh.
            wait_until(lambda: "already holds snapshots of an earlier run" in pipeline.log_path.read_text(), 30,
                       "the warning about the earlier run's data")
    finally:
        pipeline.close()


def test_adapters_killed_and_restarted_mid_broadcast(make_pipeline, tmp_path: Path):
    pipeline = make_pipeline().start()
    platforms = Platforms(pipeline, tmp_path).start()
    try:
        wait_until(lambda: platforms.truth()["totals"]["sessions_live"] > 0, 30, "live broadcasts")
        wait_until(lambda: platforms.ingest_metric("livefest_ingest_published_total") >= 50, 30,
                   "some snapshots in Kafka before the kill")
        platforms.adapters.kill()  # SIGKILL: no shutdown, the spool is all that is left
        killed_at = platforms.event_time()
        assert not platforms.truth()["finished"], "the kill did not land mid-festival"
        # The festival goes on without the adapters: two minutes of event time (> a poll cycle).
        wait_until(lambda: platforms.event_time() >= killed_at + timedelta(minutes=2),
                   30, "the festival to move on while the adapters are down")
        platforms.adapters.start()
        # Exact on what reached Kafka; and what reached Kafka ends where the platforms did:
        # only gauges seen solely in a poll the kill interrupted may be missing.
        delivered = assert_api_equals_truth(pipeline, platforms, truth_of=platforms.delivered_truth)
        served = platforms.truth()
        assert delivered["totals"] == served["totals"]
        assert delivered["counties"] == served["counties"] and delivered["platforms"] == served["platforms"]
        assert [s["session_id"] for s in delivered["sessions"]] == [s["session_id"] for s in served["sessions"]]
        for got, handed_out in zip(delivered["sessions"], served["sessions"], strict=True):
            gauges = ("peak_viewers_online", "products_listed_max", "categories", "first_observed_at")
            assert {k: v for k, v in got.items() if k not in gauges} == \
                {k: v for k, v in handed_out.items() if k not in gauges}, got["session_id"]
            assert got["peak_viewers_online"] <= handed_out["peak_viewers_online"]
            assert got["products_listed_max"] <= handed_out["products_listed_max"]
            assert set(got["categories"]) <= set(handed_out["categories"])
            assert got["first_observed_at"] >= handed_out["first_observed_at"]
        assert platforms.topic_reads() == {s["special"]: s["reads"] for s in platforms.truth()["specials"]}
    finally:
        platforms.close()


class PrivateBroker:
    """A broker of our own (the shared one on 9092 must never be stopped)."""

    def __init__(self, root: Path) -> None:
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self.env = {**os.environ, "LIVEFEST_DATA_DIR": str(root), "LIVEFEST_KAFKA_PORT": str(port),
                    "LIVEFEST_KAFKA_CONTROLLER_PORT": str(free_port())}

    def run(self, command: str) -> None:
        subprocess.run(["bash", str(SCRIPT), command], env=self.env, check=True, capture_output=True, timeout=120)


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(tmp_path / "broker")
    broker.run("start")
    try:
        yield broker
    finally:
        broker.run("stop")


def test_broker_away_during_polling_loses_nothing(private_broker: PrivateBroker, make_pipeline, tmp_path: Path):
    # private_broker first: fixtures are torn down in reverse, so the pipeline stops before its broker.
    pipeline = make_pipeline(kafka=private_broker.address).start()
    platforms = Platforms(pipeline, tmp_path).start()
    try:
        wait_until(lambda: platforms.truth()["totals"]["sessions_live"] > 0, 30, "live broadcasts")
        private_broker.run("stop")
        away = platforms.truth()
        # The adapters keep polling; their snapshots pile up in the spool.
        wait_until(lambda: platforms.ingest_metric("livefest_ingest_spool_depth") >= 5, 20, "snapshots spooled")
        wait_until(lambda: platforms.truth()["totals"] != away["totals"], 20, "the platforms to hand out figures "
                   "while the broker is away")
        wait_until(lambda: platforms.ingest_metric("livefest_ingest_delivery_failures_total") > 0, 20,
                   "a failed delivery")
        private_broker.run("start")
        assert pipeline.process is not None and pipeline.process.poll() is None, "the pipeline died with the broker"
        wait_until(lambda: httpx.get(f"{pipeline.url}/healthz", timeout=2).status_code == 200, 60, "the API")
        assert_api_equals_truth(pipeline, platforms, timeout_s=90)
        assert platforms.ingest_metric("livefest_ingest_spool_depth") == 0
    finally:
        platforms.close()

