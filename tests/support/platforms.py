"""Runs the simulated back offices (`livefest simulate`) and the adapters (`livefest
ingest`) as child processes next to a `Pipeline`, and compares the API with `/truth`."""

import json
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from kernel import kafka_clients
from schemas.rfc3339 import parse as parse_rfc3339
from schemas.snapshot import Snapshot
from services.simulator.truth import truth as simulated_truth
from tests.support.pipeline import LIVEFEST, Pipeline, free_port, metric_value, wait_until

# A short festival: 24 broadcasts (all eight platforms, every special, per-day platforms
# across midnight) in ~0.4 h of event time, replayed at 100x: about 15 s of wall time.
FESTIVAL = ("--rooms", "24", "--hours", "0.4", "--seed", "7")
FIGURES = ("gmv_fen", "orders", "units_sold", "viewers_total", "viewers_online", "sessions", "sessions_live",
           "refund_fen", "refund_sessions")
# The platforms whose (documented or simulated) back office hands out figures.
PUBLISHING = ("douyin", "taobao", "weishi", "channels", "aiguang", "yizhibo", "kuaishou")


class Child:
    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
        self.args, self.env, self.log, self.cwd = args, env, log, cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Child":
        self.process = subprocess.Popen(
            [str(LIVEFEST), *self.args], env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            cwd=self.cwd,
        )
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Platforms:
    """The simulator and the adapters for one pipeline (its topics, its broker)."""

    def __init__(self, pipeline: Pipeline, workdir: Path, speed: float = 100, faults: float = 0.05) -> None:
        self.pipeline = pipeline
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.topicstats_topic = pipeline.topicstats_topic
        self.env = {
            **pipeline.env,
            "LIVEFEST_DATA_DIR": str(workdir / "adapters"),
            "LIVEFEST_SIMULATOR_PORT": str(self.port),
            "LIVEFEST_INGEST_METRICS_PORT": str(free_port()),
        }
        self.workdir = workdir
        self.own_adapters = False  # `livefest up` runs its own unless start() runs these
        self.config = workdir / "ingest.toml"
        text = subprocess.run(
            [str(LIVEFEST), "simulate", *FESTIVAL, "--print-config"], env=self.env, check=True, capture_output=True,
        ).stdout.decode()
        self.config.write_text(text.replace("poll_seconds = 2.0", "poll_seconds = 0.3"), encoding="utf-8")
        sim_args = ["simulate", *FESTIVAL, "--speed", str(speed), "--faults", str(faults), "--token-ttl", "4",
                    "--slow-seconds", "0.5"]
        self.simulator = Child(sim_args, self.env, workdir / "simulator.log", workdir)
        self.adapters = Child(["ingest", "--config", str(self.config)], self.env, workdir / "ingest.log", workdir)

    def start(self) -> "Platforms":
        self.own_adapters = True
        self.adapters.start()  # polling fails until the simulator answers: counted, not fatal
        self.simulator.start()
        wait_until(lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200, 30, "the simulator")
        return self

    def truth(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/truth", timeout=30).json()

    def event_time(self) -> datetime:
        """The back offices' clock (festival event time)."""
        return datetime.fromisoformat(httpx.get(f"{self.url}/healthz", timeout=10).json()["event_time"])

    def ingest_metrics(self) -> str:
        """The adapters' /metrics: those this object started, or `livefest up`'s own."""
        if self.own_adapters:
            return httpx.get(f"http://127.0.0.1:{self.env['LIVEFEST_INGEST_METRICS_PORT']}/metrics", timeout=10).text
        return self.pipeline.ingest_metrics()

    def ingest_metric(self, name: str, **labels: str) -> float:
        return metric_value(self.ingest_metrics(), name, **labels)

    def wait_for_reads_after(self, instant: float, timeout_s: float = 30) -> None:
        """Until every publishing platform has had a successful read after `instant` (Unix time)."""
        def all_read() -> bool:
            text = self.ingest_metrics()
            return all(metric_value(text, "livefest_ingest_last_success_timestamp_seconds", platform=p) > instant
                       for p in PUBLISHING)
        wait_until(all_read, timeout_s, f"a successful read of every platform after {instant:.1f}")

    def close(self) -> None:
        self.adapters.stop()
        self.simulator.stop()

    def delivered_truth(self) -> dict[str, Any]:
        """`/truth` over the readings that reached the snapshot topic, not those handed out.

        An adapter SIGKILLed between a poll and its spool loses the readings of that poll:
        cumulative figures come back with the next poll, a peak seen only then does not.
        The pipeline can be exact only about what it was given."""
        served = self.truth()
        consumer = kafka_clients.consumer(self.pipeline.kafka_access, self.pipeline.topic,
                                          auto_offset_reset="earliest", consumer_timeout_ms=2000,
                                          enable_auto_commit=False)
        try:
            delivered = [Snapshot.model_validate_json(message.value) for message in consumer]
        finally:
            consumer.close()
        reads = {s["special"]: s["reads"] for s in served["specials"]}
        return simulated_truth(delivered, reads, parse_rfc3339(served["event_time"]), served["finished"])

    def topic_reads(self) -> dict[str, int]:
        consumer = kafka_clients.consumer(self.pipeline.kafka_access, self.topicstats_topic,
                                          auto_offset_reset="earliest", consumer_timeout_ms=2000,
                                          enable_auto_commit=False)
        newest: dict[str, tuple[str, int]] = {}
        try:
            for message in consumer:
                event = json.loads(message.value)
                assert message.key == event["topic"].encode()
                if event["special"] not in newest or newest[event["special"]][0] <= event["observed_at"]:
                    newest[event["special"]] = (event["observed_at"], event["reads"])
        finally:
            consumer.close()
        return {special: reads for special, (_, reads) in newest.items()}


def api_view(get_json: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """The API's answers to everything `/truth` states, in `/truth`'s shape."""
    totals = get_json("/v1/totals")
    return {
        "as_of": totals["as_of"],
        "totals": {k: totals[k] for k in (*FIGURES, "as_of")},
        "counties": [{k: c[k] for k in ("county", *FIGURES)} for c in get_json("/v1/counties")["counties"]],
        "platforms": [
            {"platform": p["platform"], **{k: get_json(f"/v1/totals?platform={p['platform']}")[k] for k in FIGURES}}
            for p in truth["platforms"]
        ],
        "sessions": [get_json(f"/v1/sessions/{s['session_id']}") for s in truth["sessions"]],
    }


def truth_view(truth: dict[str, Any]) -> dict[str, Any]:
    return {k: truth[k] for k in ("as_of", "totals", "counties", "platforms", "sessions")}


def differences(view: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """What differs, field by field (sessions by id), for a failure message one can read."""
    found = [f"{k}: API {view[k]!r} != truth {truth[k]!r}" for k in ("as_of", "totals") if view[k] != truth[k]]
    for name, key in (("counties", "county"), ("platforms", "platform"), ("sessions", "session_id")):
        theirs = {row[key]: row for row in truth[name]}
        for row in view[name]:
            other = theirs.get(row[key], {})
            found += [f"{name} {row[key]} {f}: API {v!r} != truth {other.get(f)!r}"
                      for f, v in row.items() if other.get(f) != v]
    return found[:20]


def assert_api_equals_truth(pipeline: Pipeline, platforms: Platforms, timeout_s: float = 60,
                            truth_of: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Once the festival is over and everything is consumed, every figure equals `/truth`
    (or `truth_of()`, say `Platforms.delivered_truth`)."""
    wait_until(lambda: platforms.truth()["finished"], 90, "the simulated festival to end")
    # The adapters' last poll of the ended sessions: two rounds of reads of every platform after
    # the end (the first may belong to a cycle that began before it).
    platforms.wait_for_reads_after(time.time())
    platforms.wait_for_reads_after(time.time())
    deadline = time.monotonic() + timeout_s
    while True:
        truth = (truth_of or platforms.truth)()
        settled = pipeline.consumed_offsets_caught_up()
        view = api_view(pipeline.json, truth)
        if settled and view == truth_view(truth):
            break
        if time.monotonic() > deadline:
            assert view == truth_view(truth), (
                f"API differs from /truth (logs in {platforms.workdir}): {differences(view, truth_view(truth))}")
        time.sleep(1)
    # Mini-program live rooms have status only (no figures): they reach the API as county reports.
    rooms = httpx.get(f"{platforms.url}/rooms", timeout=30).json()
    unread = sorted({r["room_id"] for r in rooms if r["platform"] != "miniprogram"}
                    - {s["room_id"] for s in truth["sessions"]})
    assert truth["totals"]["sessions"] == sum(r["platform"] != "miniprogram" for r in rooms) == 23, (
        f"rooms no reading was handed out for (logs in {platforms.workdir}): {unread}")
    assert truth["totals"]["gmv_fen"] > 0
    assert {p["platform"] for p in truth["platforms"] if p["sessions"]} == set(PUBLISHING)
    return truth

