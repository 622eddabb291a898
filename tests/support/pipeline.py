"""Runs `livefest up --no-simulator` as a child process against the real broker, isolated
by a unique topic, consumer group, data directory and free ports per test.

Two shapes (`store`): "server", the production shape (a local ClickHouse server of the
test's own data directory, two aggregator processes, the API process), and "embedded",
everything in one process around the embedded engine (LIVEFEST_CLICKHOUSE=chdb://…).
"external" is the production shape against a ClickHouse the test runs itself and names in
`extra_env` (LIVEFEST_CLICKHOUSE, e.g. one node of tests/support/cluster.py's cluster).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
from kafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from kernel import kafka_admin, kafka_clients
from kernel.kafka_security import KafkaAccess
from kernel.settings import Settings
from schemas.snapshot import Snapshot
from services.ingest.publisher import SnapshotPublisher

KAFKA = os.environ.get("LIVEFEST_KAFKA", "127.0.0.1:9092")
LIVEFEST = Path(sys.executable).with_name("livefest")


def _port_range() -> range:
    """Ports this test process hands out: below the kernel's ephemeral range (32768-60999
    here), where no outgoing connection and no server bound to port 0 lands, and disjoint
    per pytest-xdist worker (gw0, gw1, ...), so parallel workers never share one.

    LIVEFEST_TEST_PORTS=FIRST-LAST gives this process a range of its own instead: for
    several test runs or benchmarks on one machine that must not hand out each other's ports
    (a port is free when handed out, but is bound only later by the server it is for)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    chosen = os.environ.get("LIVEFEST_TEST_PORTS")
    if chosen:  # split between the xdist workers
        first, _, last = chosen.partition("-")
        share = (int(last) + 1 - int(first)) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        return range(int(first) + share * index, int(first) + share * (index + 1))
    first = 20000 + 2500 * index
    return range(first, first + 2500)


_PORTS: Iterator[int] | None = None


def free_port() -> int:
    """A port free now and never handed out before in this test process.

    The port is released before its server binds it: taken from the kernel's ephemeral
    range, the kernel may offer it again to the next bind or to an outgoing connection (a
    run once got one port for both its API and its ClickHouse server). Each port of this
    process's range is handed out at most once.
    """
    global _PORTS
    if _PORTS is None:
        _PORTS = iter(_port_range())
    for port in _PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port left in {_port_range()}")


def wait_until(predicate: Callable[[], Any], timeout_s: float, what: str, every_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what} (last: {last!r})")


STORES = ("server", "embedded")  # the shapes every integration test runs in
WORKERS = 2  # aggregator processes in the "server" shape


class Pipeline:
    """One isolated pipeline, in the production shape ("server") or in one process ("embedded")."""

    def __init__(
        self,
        workdir: Path,
        extra_env: dict[str, str] | None = None,
        args: tuple[str, ...] = ("up", "--no-simulator"),
        kafka: str = KAFKA,
        store: str = "embedded",
        workers: int = WORKERS,
    ) -> None:
        assert store in (*STORES, "external"), store
        tag = uuid.uuid4().hex[:10]
        self.tag = tag
        self.kafka = kafka
        self.store = store
        self.args = args if store == "embedded" else (*args, "--workers", str(workers))
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.topic = f"livefest.snapshots.v1.test-{tag}"
        self.dlq_topic = f"livefest.snapshots.dlq.test-{tag}"
        self.topicstats_topic = f"livefest.topicstats.v1.test-{tag}"
        self.topicstats_dlq_topic = f"livefest.topicstats.dlq.test-{tag}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LIVEFEST_KAFKA": kafka,
            "LIVEFEST_DATA_DIR": str(self.data_dir),
            "LIVEFEST_SNAPSHOT_TOPIC": self.topic,
            "LIVEFEST_DLQ_TOPIC": self.dlq_topic,
            "LIVEFEST_TOPICSTATS_TOPIC": self.topicstats_topic,
            "LIVEFEST_TOPICSTATS_DLQ_TOPIC": self.topicstats_dlq_topic,
            "LIVEFEST_CONSUMER_GROUP": f"livefest-test-{tag}",
            "LIVEFEST_API_PORT": str(self.port),
            "LIVEFEST_TOPIC_PARTITIONS": "4",
            "LIVEFEST_BATCH_SECONDS": "0.1",
            "LIVEFEST_INGEST_METRICS_PORT": str(free_port()),
            **self._store_env(),
            **(extra_env or {}),
        }
        if store == "server":
            self.env.pop("LIVEFEST_CLICKHOUSE", None)  # commands find the local server, as a user's would
        self.kafka_access = kafka_access_of(self.env)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "pipeline.log"
        self._publisher: SnapshotPublisher | None = None

    def _store_env(self) -> dict[str, str]:
        if self.store == "embedded":
            return {"LIVEFEST_CLICKHOUSE": f"chdb://{self.data_dir / 'clickhouse'}"}
        if self.store == "external":
            return {"LIVEFEST_AGGREGATOR_WEB_PORT": "0"}
        # Unset LIVEFEST_CLICKHOUSE: `up` starts the data directory's local server (below).
        return {"LIVEFEST_CLICKHOUSE_HTTP_PORT": str(free_port()), "LIVEFEST_CLICKHOUSE_TCP_PORT": str(free_port()),
                "LIVEFEST_AGGREGATOR_WEB_PORT": "0"}

    # --- lifecycle -------------------------------------------------------------
    def start(self, timeout_s: float | None = None) -> "Pipeline":
        if not kafka_admin.reachable(self.kafka):
            raise AssertionError(
                f"no Kafka broker at {self.kafka}: run `scripts/kafka-local.sh start` (make test does)"
            )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(LIVEFEST), *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        # The production shape starts more processes and waits for its consumer group to
        # settle (up to 90 s on its own): on a loaded machine that takes longer.
        timeout_s = timeout_s or (90 if self.store == "embedded" else 180)
        wait_until(self._healthy, timeout_s, f"the pipeline at {self.url} to be healthy (log: {self.log_path})")
        return self

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the pipeline exited with {self.process.returncode}; see {self.log_path}:\n"
                                 + self.log_path.read_text(errors="replace")[-3000:])
        if httpx.get(f"{self.url}/healthz", timeout=2).status_code != 200:
            return False
        # The production shape starts the aggregator workers after the API, and says it is
        # running once their consumer group has settled.
        return self.store == "embedded" or self.run_file().get("state") == "running"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final commit, whatever was in flight is lost. In the
        production shape the children die with `up` (kernel/lifeline.py): wait for that."""
        assert self.process is not None
        children = [info["pid"] for info in self.run_file().get("children", {}).values()]
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        wait_until(lambda: not any(_alive(pid) for pid in children), 30, f"up's children {children} to die with it")

    # --- the production shape's processes -----------------------------------------
    def run_file(self) -> dict[str, Any]:
        """`up.json`: the processes `livefest up` runs, with their pids and ports ({} if none)."""
        try:
            return dict(json.loads((self.data_dir / "up.json").read_text()))
        except (OSError, ValueError):
            return {}

    def aggregators(self) -> dict[str, dict[str, Any]]:
        """name -> {"pid", "metrics"} of the running aggregator workers (server shape)."""
        children = self.run_file().get("children", {})
        return {name: info for name, info in children.items() if name.startswith("aggregator-")}

    def aggregator_metrics(self) -> list[str]:
        """Every aggregator's /metrics text: the workers' own (server), or the one process's (embedded)."""
        if self.store == "embedded":
            return [self.get("/metrics").text]
        return [httpx.get(info["metrics"], timeout=10).text for info in self.aggregators().values()]

    def aggregator_metric(self, name: str, **labels: str) -> float:
        """A sample summed over the workers (a counter that no worker has touched yet is 0)."""
        return sum(metric_value(text, name, **labels) for text in self.aggregator_metrics())

    def worker_metric(self, worker: str, name: str, **labels: str) -> float:
        """A sample of one aggregator worker of the production shape (by name, e.g. aggregator-2)."""
        return metric_value(httpx.get(self.aggregators()[worker]["metrics"], timeout=10).text, name, **labels)

    def ingest_metrics(self) -> str:
        """The in-process adapters' metrics (`up` with the simulator)."""
        if self.store == "embedded":
            return self.get("/metrics").text
        return httpx.get(f"http://127.0.0.1:{self.env['LIVEFEST_INGEST_METRICS_PORT']}/metrics", timeout=10).text

    def close(self) -> None:
        self.stop()
        if self._publisher:
            self._publisher.close()
        try:
            client = kafka_admin.admin(self.kafka_access, timeout_s=5)
            client.delete_topics([self.topic, self.dlq_topic, self.topicstats_topic, self.topicstats_dlq_topic])
            client.close()
        except Exception:  # cleanup is best effort; topics are unique per test anyway
            pass

    # --- traffic ----------------------------------------------------------------
    @property
    def publisher(self) -> SnapshotPublisher:
        if self._publisher is None:
            kafka_admin.ensure_topics(self.kafka_access, {self.topic: 4, self.dlq_topic: 1},
                                      configs={self.topic: kafka_admin.INBOUND})
            self._publisher = SnapshotPublisher(self.kafka_access, self.topic)
        return self._publisher

    def publish(self, snapshots: Iterable[Snapshot]) -> int:
        return self.publisher.publish_all(snapshots)

    def publish_topic_stats(self, messages: Iterable[tuple[bytes | None, bytes]]) -> int:
        """Raw (key, value) messages to the hashtag-readings topic."""
        kafka_admin.ensure_topics(self.kafka_access, {self.topicstats_topic: 4, self.topicstats_dlq_topic: 1},
                                  configs={self.topicstats_topic: kafka_admin.INBOUND})
        publisher = SnapshotPublisher(self.kafka_access, self.topicstats_topic)
        try:
            count = 0
            for key, value in messages:
                publisher.publish_raw(key, value)
                count += 1
            publisher.flush()
            return count
        finally:
            publisher.close()

    def publish_raw(self, messages: Iterable[tuple[bytes | None, bytes]]) -> int:
        count = 0
        for key, value in messages:
            self.publisher.publish_raw(key, value)
            count += 1
        self.publisher.flush()
        return count

    # --- reading ----------------------------------------------------------------
    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=30, **kwargs)

    def json(self, path: str, **kwargs: Any) -> Any:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def wait_for_sessions(self, count: int, timeout_s: float = 60) -> None:
        wait_until(lambda: self.json("/v1/totals")["sessions"] >= count, timeout_s, f"{count} sessions")

    def committed_and_end_offsets(self, topic: str | None = None) -> list[tuple[int, int]]:
        """(committed offset of the aggregator's group, end offset) for every partition."""
        topic = topic or self.topic
        consumer = kafka_clients.consumer(self.kafka_access, group_id=self.env["LIVEFEST_CONSUMER_GROUP"],
                                          enable_auto_commit=False)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
            ends = consumer.end_offsets(partitions)
            return [(consumer.committed(tp) or 0, ends[tp]) for tp in partitions]
        finally:
            consumer.close()

    def consumed_offsets_caught_up(self, topic: str | None = None) -> bool:
        """True when the aggregator's committed offsets reach the end of every partition."""
        offsets = self.committed_and_end_offsets(topic)
        return bool(offsets) and all(committed >= end for committed, end in offsets)

    def some_offsets_committed(self) -> bool:
        return sum(committed for committed, _ in self.committed_and_end_offsets()) > 0

    def dead_letters(self, expected: int, timeout_s: float = 30, topic: str | None = None) -> list[bytes]:
        consumer = kafka_clients.consumer(self.kafka_access, topic or self.dlq_topic, auto_offset_reset="earliest",
                                          consumer_timeout_ms=1000, enable_auto_commit=False)
        found: list[bytes] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(found) < expected and time.monotonic() < deadline:
                found.extend(message.value for message in consumer)
        finally:
            consumer.close()
        return found


def kafka_access_of(env: dict[str, str]) -> KafkaAccess:
    """How the pipeline's processes reach Kafka, from their environment (its LIVEFEST_KAFKA* settings)."""
    kafka = {k.removeprefix("LIVEFEST_").lower(): v for k, v in env.items() if k.startswith("LIVEFEST_KAFKA")}
    return Settings(**kafka).kafka_access


def metric_value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` carrying `labels` in a Prometheus exposition."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def publish_slowly(publisher: SnapshotPublisher, snapshots: list[Snapshot], chunk: int = 100,
                   pause_s: float = 0.05) -> None:
    """Publish in chunks with pauses, so that a test can interrupt something mid-stream."""
    for i in range(0, len(snapshots), chunk):
        for s in snapshots[i : i + chunk]:
            publisher.publish(s)
        publisher.flush()
        time.sleep(pause_s)


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet is not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
