"""Benchmark of the aggregator, in the production shape by default: the real broker, the
local ClickHouse server, `livefest up --no-simulator` with its worker processes.

Publishes N synthetic snapshots over S sessions, then measures in one run:
  - a bare consumer's rate (aiokafka, the client Faust uses) reading and parsing the same
    messages with the same model: the baseline;
  - one aggregator worker's sustained throughput on that backlog (snapshots/s written to
    ClickHouse) and its ratio to the baseline;
  - where each batch's time went: the worker's stages (decode, dead_letters, write, ack,
    and Faust's commits) in microseconds per snapshot, and what one written row costs in
    ClickHouse: the raw insert and each materialised view on its own (write_costs.py);
  - the API's latency under constant-rate load while the worker ingests (api_load.py);
  - freshness: producer ack -> figure visible in /v1/totals (p50, p99);
  - the worker process's peak RSS;
  - the same backlog again with two workers, so scaling is measured, not assumed.
Prints progress, one JSON line for the two-worker run, and as its last line one JSON
object with every figure.

    python bench/bench.py [--snapshots 200000] [--sessions 5000] [--store server|embedded]
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


def written(pipeline: Pipeline) -> int:
    return int(pipeline.aggregator_metric("livefest_aggregator_batch_size_sum"))


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


STAGES = ("decode", "dead_letters", "write", "ack", "commit")


def stage_costs(pipeline: Pipeline, snapshots: int) -> dict[str, float]:
    """Microseconds per snapshot each stage of the batch path took, summed over the workers,
    and how many rows one ClickHouse write carried on average (each insert has a fixed cost
    on the server, so this number says much about the write's cost per row)."""
    costs = {f"stage_{stage}_us": round(pipeline.aggregator_metric("livefest_aggregator_stage_seconds_sum",
                                                                     stage=stage) / snapshots * 1e6, 2)
             for stage in STAGES}
    writes = pipeline.aggregator_metric("livefest_aggregator_batch_size_count")
    costs["rows_per_write"] = round(written(pipeline) / writes) if writes else 0
    return costs


def server_store(pipeline: Pipeline) -> Store:
    """The pipeline's local server as livefest_admin (write costs create and drop scratch
    databases), with the password `livefest up` generated into its data directory."""
    password = credentials.passwords(pipeline.data_dir, {})[Role.ADMIN]
    return Store(f"http://127.0.0.1:{pipeline.env['LIVEFEST_CLICKHOUSE_HTTP_PORT']}/default", user=Role.ADMIN.user,
                 password=password)


def drain(pipeline: Pipeline, total: int, api_seconds: float | None) -> tuple[float, dict[str, float]]:
    """Wait for the workers to write `total` snapshots; the rate of the rows written after
    the first write was seen (the rows seen then were written before the clock started: a
    whole insert, or several workers' inserts, of up to 20,000 rows each), and the API's
    figures when `api_seconds` of load ran meanwhile."""
    already = wait_until(lambda: written(pipeline), 180, "the first write")
    first = time.perf_counter()
    load = api_load.start(pipeline.url, api_seconds) if api_seconds else None
    last_report = first
    while (done := written(pipeline)) < total:
        if time.perf_counter() - last_report > 5:
            print(f"  written {done:,}/{total:,}", flush=True)
            last_report = time.perf_counter()
        if time.perf_counter() - first > 900:
            raise SystemExit("the aggregator did not finish within 15 minutes")
        time.sleep(0.05)
    elapsed = time.perf_counter() - first
    if already > total // 2:  # too few rows left to time: say so rather than print a rate
        print(f"  {already:,} of {total:,} rows were written before the first write was seen: no rate "
              "(use more --snapshots)", flush=True)
        return 0.0, api_load.figures(load) if load else {}
    rate = (total - already) / elapsed
    print(f"  {rate:,.0f} snapshots/s ({total - already:,} rows in {elapsed:.1f} s after the first "
          f"{already:,})", flush=True)
    return rate, api_load.figures(load) if load else {}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshots", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=5_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--freshness-samples", type=int, default=200)
    parser.add_argument("--api-seconds", type=float, default=8.0, help="API load while ingesting (bench/api_load.py)")
    parser.add_argument("--store", choices=("server", "embedded"), default="server",
                        help="the production shape (default), or everything in one process on the embedded engine")
    parser.add_argument("--ports", metavar="FIRST-LAST",
                        help="the ports to give the API and the ClickHouse servers (default: the test harness's "
                             "range): benchmarks and test runs sharing a machine each take a range of their own")
    args = parser.parse_args()
    if args.ports:
        os.environ["LIVEFEST_TEST_PORTS"] = args.ports  # read by tests/support/pipeline.py's free_port
    kafka = Settings().kafka_access  # LIVEFEST_KAFKA and its TLS/SASL settings, as the services read them
    bootstrap = kafka.bootstrap
    if not kafka_admin.reachable(bootstrap):
        sys.exit(f"no Kafka broker at {bootstrap}: run `scripts/kafka-local.sh start` (make bench does)")

    print(f"generating {args.snapshots:,} snapshots over {args.sessions:,} sessions", flush=True)
    messages = synthetic(args.snapshots, args.sessions)
    one = single_worker(args, kafka, messages)
    two = two_workers(args, kafka, messages) if args.store == "server" else {}
    result = {**one, **two}
    print(f"summary: one worker {one['snapshots_per_s']:,}/s vs bare consumer {one['bare_consumer_per_s']:,}/s "
          f"(ratio {one['ratio']}), two workers {two.get('two_workers_snapshots_per_s', '-')}/s; "
          f"freshness p50 {one['freshness_p50_s']} s, p99 {one['freshness_p99_s']} s; "
          f"worker peak RSS {one['peak_rss_mb']} MB")
    print(json.dumps(result))


def pipeline_for(args: argparse.Namespace, workers: int) -> Pipeline:
    workdir = Path(tempfile.mkdtemp(prefix="livefest-bench-"))
    # The aggregator runs with its default batching (LIVEFEST_BATCH_SIZE / _SECONDS).
    env = {"LIVEFEST_TOPIC_PARTITIONS": str(args.partitions),
           "LIVEFEST_BATCH_SECONDS": os.environ.get("LIVEFEST_BATCH_SECONDS", "0.25")}
    return Pipeline(workdir, extra_env=env, store=args.store, workers=workers)


def single_worker(args: argparse.Namespace, kafka: KafkaAccess, messages: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    pipeline = pipeline_for(args, workers=1)
    print(f"publishing to {pipeline.topic}", flush=True)
    print(f"  producer: {publish(kafka, pipeline.topic, messages, args.partitions):,.0f} msg/s", flush=True)
    print("baseline: bare aiokafka consumer reading + parsing the same messages", flush=True)
    bare = asyncio.run(bare_consumer_rate(kafka, pipeline.topic, len(messages)))
    print(f"  bare consumer: {bare:,.0f} msg/s", flush=True)
    print(f"one worker ({args.store}): `livefest up --no-simulator` on the backlog", flush=True)
    try:
        pipeline.start()
        rate, api = drain(pipeline, len(messages), args.api_seconds)
        print(f"  api under load while ingesting: {api}", flush=True)
        stages = stage_costs(pipeline, len(messages))
        print(f"  where a snapshot's time went (us): {stages}", flush=True)
        expected_gmv = sum(1999 * ((args.snapshots - 1 - s) // args.sessions) for s in range(args.sessions)
                           if s < args.snapshots)
        # Answers follow a write within the API's freshness (it polls the write generation).
        wait_until(lambda: pipeline.json("/v1/totals")["gmv_fen"] == expected_gmv, 5, f"gmv_fen {expected_gmv}")
        print(f"freshness: {args.freshness_samples} single snapshots, ack -> visible in /v1/totals", flush=True)
        latencies = freshness(pipeline, args.freshness_samples)
        rss = max(peak_rss_mb(pid) for pid in worker_pids(pipeline))
        costs = write_costs(server_store(pipeline) if args.store == "server" else None, messages)
    finally:
        pipeline.close()
    return {
        "snapshots_per_s": round(rate),
        "bare_consumer_per_s": round(bare),
        "ratio": round(rate / bare, 3),
        "freshness_p50_s": round(statistics.median(latencies), 3),
        "freshness_p99_s": round(percentile(latencies, 0.99), 3),
        "peak_rss_mb": round(rss, 1),
        **stages,
        **costs,
        **api,
    }


def write_costs(store: Store | None, messages: list[tuple[bytes, bytes]]) -> dict[str, float]:
    if store is None:  # the embedded engine is held by the pipeline's process
        return {}
    print("write costs: the raw insert and each view on its own, on the same server", flush=True)
    costs = measure_write_costs(store, messages[:100_000], Settings().batch_size)
    print(f"  {costs}", flush=True)
    return costs


def two_workers(args: argparse.Namespace, kafka: KafkaAccess, messages: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    pipeline = pipeline_for(args, workers=2)
    publish(kafka, pipeline.topic, messages, args.partitions)
    print("two workers on the local ClickHouse server, the same backlog", flush=True)
    try:
        pipeline.start()
        rate, _ = drain(pipeline, len(messages), None)
        rss = max(peak_rss_mb(pid) for pid in worker_pids(pipeline))
    finally:
        pipeline.close()
    line = {"two_workers_snapshots_per_s": round(rate), "two_workers_peak_rss_mb": round(rss, 1)}
    print(json.dumps(line), flush=True)
    return line


if __name__ == "__main__":
    main()
