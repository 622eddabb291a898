"""Benchmark of the aggregator, in the production shape by default: the real broker, the
local ClickHouse server, `livefest up --no-simulator` with its worker processes.

Publishes N synthetic snapshots over S sessions, then measures in one run:
  - a bare consumer's rate (aiokafka, the client Faust uses) reading and parsing the same
    messages with the same model: the baseline;
  - one aggregator worker's sustained throughput on that backlog (snapshots/s written to
    ClickHouse, timed by the worker's own write clock: drain.py) and its ratio to the baseline;
  - where each batch's time went: the worker's stages (decode, dead_letters, write, ack,
    and Faust's commits) in microseconds per snapshot, and what one written row costs in
    ClickHouse: the raw insert and each materialised view on its own (write_costs.py);
  - the API's latency under constant-rate load while the worker ingests (api_load.py);
  - freshness: producer ack -> figure visible in /v1/totals (p50, p99);
  - the worker process's peak RSS;
  - two workers on a backlog twice as large (2N snapshots over 2S sessions), so scaling is
    measured, not assumed;
  - the embedded engine (everything in one process, LIVEFEST_CLICKHOUSE=chdb://...) on the N
    snapshots: its rate, ratio and stages.
Prints progress, one JSON line per extra phase, and as its last line one JSON object with
every figure.

    python bench/bench.py [--snapshots 200000] [--sessions 5000] [--store server|embedded]
                          [--phases one,two,embedded] [--ports FIRST-LAST]
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import api_load  # noqa: E402  (beside this script)
from drain import drain, stage_costs  # noqa: E402  (beside this script)
from write_costs import write_costs as measure_write_costs  # noqa: E402  (beside this script)

from kernel import kafka_admin  # noqa: E402
from kernel.chserver import credentials  # noqa: E402
from kernel.clickhouse import Store  # noqa: E402
from kernel.clickhouse_roles import Role  # noqa: E402
from kernel.kafka_security import KafkaAccess  # noqa: E402
from kernel.settings import Settings  # noqa: E402
from schemas.snapshot import Snapshot  # noqa: E402
from services.ingest.publisher import SnapshotPublisher  # noqa: E402
from tests.support.pipeline import Pipeline, wait_until  # noqa: E402
from tests.support.scenario import START, snapshot  # noqa: E402


def synthetic(n: int, sessions: int) -> list[tuple[bytes, bytes]]:
    """n canonical snapshots round-robin over `sessions` sessions, counters climbing."""
    template = snapshot(categories=("agri",))
    out = []
    for i in range(n):
        s, poll = i % sessions, i // sessions
        sid = f"douyin:bench-{s}"
        out.append((sid.encode(), template.model_copy(update={
            "session_id": sid, "room_id": f"room-{s}", "county": ("city", "yingde", "fogang")[s % 3],
            "observed_at": START + timedelta(seconds=3 * poll), "viewers_online": 100 + poll,
            "viewers_total": 1000 + 10 * poll, "orders": poll, "units_sold": 2 * poll, "gmv_fen": 1999 * poll,
        }).to_json_bytes()))
    return out


def publish(kafka: KafkaAccess, topic: str, messages: list[tuple[bytes, bytes]], partitions: int) -> float:
    kafka_admin.ensure_topics(kafka, {topic: partitions}, configs={topic: kafka_admin.INBOUND})
    publisher = SnapshotPublisher(kafka, topic, linger_ms=20)
    started = time.perf_counter()
    for i, (key, value) in enumerate(messages):
        publisher.publish_raw(key, value)
        if i and i % 50_000 == 0:
            print(f"  published {i:,}/{len(messages):,}", flush=True)
    publisher.flush()
    publisher.close()
    return len(messages) / (time.perf_counter() - started)


async def bare_consumer_rate(kafka: KafkaAccess, topic: str, expected: int) -> float:
    consumer = AIOKafkaConsumer(topic, **kafka.aiokafka(), group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    seen, started = 0, None
    try:
        while seen < expected:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batches.values():
                if started is None:
                    started = time.perf_counter()
                for record in records:
                    Snapshot.model_validate_json(record.value)
                seen += len(records)
    finally:
        await consumer.stop()
    assert started is not None
    return seen / (time.perf_counter() - started)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_pids(pipeline: Pipeline) -> list[int]:
    """The aggregator worker processes (in one process, the pipeline's own)."""
    if pipeline.store == "embedded":
        assert pipeline.process is not None
        return [pipeline.process.pid]
    return [int(info["pid"]) for info in pipeline.aggregators().values()]


def server_store(pipeline: Pipeline) -> Store:
    """The pipeline's local server as livefest_admin (write costs create and drop scratch
    databases), with the password `livefest up` generated into its data directory."""
    password = credentials.passwords(pipeline.data_dir, {})[Role.ADMIN]
    return Store(f"http://127.0.0.1:{pipeline.env['LIVEFEST_CLICKHOUSE_HTTP_PORT']}/default", user=Role.ADMIN.user,
                 password=password)


def freshness(pipeline: Pipeline, samples: int) -> list[float]:
    """Publish one snapshot at a time and time its appearance in /v1/totals."""
    publisher = pipeline.publisher
    client = httpx.Client(base_url=pipeline.url, timeout=10)
    latencies = []
    base = client.get("/v1/totals").json()["gmv_fen"]
    for i in range(1, samples + 1):
        s = snapshot(session_id="douyin:freshness", observed_at=START + timedelta(days=1, seconds=i), gmv_fen=i)
        publisher.publish(s).get(timeout=10)  # the producer's ack
        acked = time.perf_counter()
        want = base + i
        while client.get("/v1/totals").json()["gmv_fen"] != want:
            if time.perf_counter() - acked > 30:
                raise AssertionError(f"sample {i} not visible after 30 s")
            time.sleep(0.005)
        latencies.append(time.perf_counter() - acked)
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


PHASES = ("one", "two", "embedded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshots", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=5_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--freshness-samples", type=int, default=200)
    parser.add_argument("--api-seconds", type=float, default=8.0, help="API load while ingesting (bench/api_load.py)")
    parser.add_argument("--store", choices=("server", "embedded"), default="server",
                        help="the production shape (default), or everything in one process on the embedded engine")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help="which to run: one (one worker, with the baseline, the API load, freshness and "
                             "write costs), two (two workers), embedded (the embedded engine's line)")
    parser.add_argument("--ports", metavar="FIRST-LAST",
                        help="the ports to give the API and the ClickHouse servers (default: the test harness's "
                             "range): benchmarks and test runs sharing a machine each take a range of their own")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    if not phases <= set(PHASES):
        parser.error(f"--phases: choose among {', '.join(PHASES)}")
    if args.ports:
        os.environ["LIVEFEST_TEST_PORTS"] = args.ports  # read by tests/support/pipeline.py's free_port
    kafka = Settings().kafka_access  # LIVEFEST_KAFKA and its TLS/SASL settings, as the services read them
    bootstrap = kafka.bootstrap
    if not kafka_admin.reachable(bootstrap):
        sys.exit(f"no Kafka broker at {bootstrap}: run `scripts/kafka-local.sh start` (make bench does)")

    print(f"generating {args.snapshots:,} snapshots over {args.sessions:,} sessions", flush=True)
    messages = synthetic(args.snapshots, args.sessions)
    result: dict[str, Any] = {}
    if "one" in phases:
        result |= single_worker(args, kafka, messages)
    if "two" in phases and args.store == "server":
        result |= two_workers(args, kafka, result.get("snapshots_per_s"))
    if "embedded" in phases and args.store == "server":
        result |= embedded(args, kafka, messages, result.get("bare_consumer_per_s"))
    print(summary(result))
    print(json.dumps(result))


def summary(result: dict[str, Any]) -> str:
    def get(key: str) -> str:
        value = result.get(key)
        return f"{value:,}" if isinstance(value, int) else str(value if value is not None else "-")

    return (f"summary: one worker {get('snapshots_per_s')}/s vs bare consumer {get('bare_consumer_per_s')}/s "
            f"(ratio {get('ratio')}), two workers {get('two_workers_snapshots_per_s')}/s "
            f"({get('two_workers_scaling')}x), embedded {get('embedded_snapshots_per_s')}/s "
            f"(ratio {get('embedded_ratio')}); freshness p50 {get('freshness_p50_s')} s, "
            f"p99 {get('freshness_p99_s')} s; worker peak RSS {get('peak_rss_mb')} MB")


def pipeline_for(args: argparse.Namespace, workers: int, store: str | None = None) -> Pipeline:
    workdir = Path(tempfile.mkdtemp(prefix="livefest-bench-"))
    # The aggregator runs with its default batching (LIVEFEST_BATCH_SIZE / _SECONDS).
    env = {"LIVEFEST_TOPIC_PARTITIONS": str(args.partitions),
           "LIVEFEST_BATCH_SECONDS": os.environ.get("LIVEFEST_BATCH_SECONDS", "0.25")}
    return Pipeline(workdir, extra_env=env, store=store or args.store, workers=workers)


def single_worker(args: argparse.Namespace, kafka: KafkaAccess, messages: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    pipeline = pipeline_for(args, workers=1)
    print(f"publishing to {pipeline.topic}", flush=True)
    print(f"  producer: {publish(kafka, pipeline.topic, messages, args.partitions):,.0f} msg/s", flush=True)
    print("baseline: bare aiokafka consumer reading + parsing the same messages", flush=True)
    bare = asyncio.run(bare_consumer_rate(kafka, pipeline.topic, len(messages)))
    print(f"  bare consumer: {bare:,.0f} msg/s", flush=True)
    print(f"one worker ({args.store}): `livefest up --no-simulator` on the backlog", flush=True)
    load: list[Any] = []
    try:
        pipeline.start()
        start_load = (lambda: load.append(api_load.start(pipeline.url, args.api_seconds))) if args.api_seconds else None
        drained = drain(pipeline, len(messages), start_load)
        api = api_load.figures(load[0]) if load else {}
        print(f"  api under load while ingesting: {api}", flush=True)
        stages = stage_costs(pipeline, len(messages))
        print(f"  where a snapshot's time went (us): {stages}", flush=True)
        expected_gmv = sum(1999 * ((args.snapshots - 1 - s) // args.sessions) for s in range(args.sessions)
                           if s < args.snapshots)
        # Answers follow a write within the API's freshness (it polls the write generation).
        wait_until(lambda: pipeline.json("/v1/totals")["gmv_fen"] == expected_gmv, 5, f"gmv_fen {expected_gmv}")
        fresh = freshness_figures(pipeline, args.freshness_samples)
        rss = max(peak_rss_mb(pid) for pid in worker_pids(pipeline))
        costs = write_costs(server_store(pipeline) if args.store == "server" else None, messages)
    finally:
        pipeline.close()
    return {
        "snapshots_per_s": round(drained.rate),
        "bare_consumer_per_s": round(bare),
        "ratio": round(drained.rate / bare, 3),
        **fresh,
        "peak_rss_mb": round(rss, 1),
        **stages,
        **costs,
        **api,
    }


def freshness_figures(pipeline: Pipeline, samples: int) -> dict[str, float]:
    if not samples:
        return {}
    print(f"freshness: {samples} single snapshots, ack -> visible in /v1/totals", flush=True)
    latencies = freshness(pipeline, samples)
    return {"freshness_p50_s": round(statistics.median(latencies), 3),
            "freshness_p99_s": round(percentile(latencies, 0.99), 3)}


def write_costs(store: Store | None, messages: list[tuple[bytes, bytes]]) -> dict[str, float]:
    if store is None:  # the embedded engine is held by the pipeline's process
        return {}
    print("write costs: the raw insert and each view on its own, on the same server", flush=True)
    costs = measure_write_costs(store, messages[:100_000], Settings().batch_size)
    print(f"  {costs}", flush=True)
    return costs


def two_workers(args: argparse.Namespace, kafka: KafkaAccess, one: float | None) -> dict[str, Any]:
    """Two workers on twice the backlog (each has N to drain, as the one worker had)."""
    messages = synthetic(2 * args.snapshots, 2 * args.sessions)
    pipeline = pipeline_for(args, workers=2)
    publish(kafka, pipeline.topic, messages, args.partitions)
    print(f"two workers on the local ClickHouse server, {len(messages):,} snapshots", flush=True)
    try:
        pipeline.start()
        drained = drain(pipeline, len(messages))
        stages = stage_costs(pipeline, len(messages), prefix="two_workers_")
        rss = max(peak_rss_mb(pid) for pid in worker_pids(pipeline))
    finally:
        pipeline.close()
    line = {"two_workers_snapshots_per_s": round(drained.rate), "two_workers_peak_rss_mb": round(rss, 1),
            "two_workers_scaling": round(drained.rate / one, 2) if one else None, **stages}
    print(json.dumps(line), flush=True)
    return line


def embedded(args: argparse.Namespace, kafka: KafkaAccess, messages: list[tuple[bytes, bytes]],
             bare: float | None) -> dict[str, Any]:
    """The same backlog in the single-process shape on the embedded engine (chdb)."""
    pipeline = pipeline_for(args, workers=1, store="embedded")
    publish(kafka, pipeline.topic, messages, args.partitions)
    print("the embedded engine: `livefest up --no-simulator` in one process, the same backlog", flush=True)
    try:
        pipeline.start()
        drained = drain(pipeline, len(messages))
        stages = stage_costs(pipeline, len(messages), prefix="embedded_")
        rss = max(peak_rss_mb(pid) for pid in worker_pids(pipeline))
    finally:
        pipeline.close()
    line = {"embedded_snapshots_per_s": round(drained.rate), "embedded_peak_rss_mb": round(rss, 1),
            "embedded_ratio": round(drained.rate / bare, 3) if bare else None, **stages}
    print(json.dumps(line), flush=True)
    return line


if __name__ == "__main__":
    main()
