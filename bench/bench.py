"""Benchmark of the aggregator on the real broker and the embedded ClickHouse engine.

Publishes N synthetic snapshots over S sessions, then measures in one run:
  - the aggregator's sustained throughput (snapshots/s written to ClickHouse),
  - a bare consumer's rate (aiokafka, the client Faust uses) reading and parsing the same
    messages with the same model (the baseline), and the ratio of the two,
  - freshness: time from the producer's ack to the figure showing in /v1/totals (p50, p99),
  - the aggregator process's peak RSS.
Prints progress, a summary, and as its last line one JSON object with the figures.

    python bench/bench.py [--snapshots 200000] [--sessions 5000]
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

import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import api_load  # noqa: E402  (beside this script)

from kernel import kafka_admin  # noqa: E402
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


def publish(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]], partitions: int) -> float:
    kafka_admin.ensure_topics(bootstrap, {topic: partitions}, configs={topic: kafka_admin.INBOUND})
    publisher = SnapshotPublisher(bootstrap, topic, linger_ms=20)
    started = time.perf_counter()
    for i, (key, value) in enumerate(messages):
        publisher.publish_raw(key, value)
        if i and i % 50_000 == 0:
            print(f"  published {i:,}/{len(messages):,}", flush=True)
    publisher.flush()
    publisher.close()
    return len(messages) / (time.perf_counter() - started)


async def bare_consumer_rate(bootstrap: str, topic: str, expected: int) -> float:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
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
    for line in pipeline.get("/metrics").text.splitlines():
        if line.startswith("livefest_aggregator_batch_size_sum"):
            return int(float(line.split()[-1]))
    return 0


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
    args = parser.parse_args()
    bootstrap = os.environ.get("LIVEFEST_KAFKA", "127.0.0.1:9092")
    if not kafka_admin.reachable(bootstrap):
        sys.exit(f"no Kafka broker at {bootstrap}: run `scripts/kafka-local.sh start` (make bench does)")

    workdir = Path(tempfile.mkdtemp(prefix="livefest-bench-"))
    # The aggregator runs with its default batching (LIVEFEST_BATCH_SIZE / _SECONDS).
    pipeline = Pipeline(workdir, extra_env={"LIVEFEST_TOPIC_PARTITIONS": str(args.partitions),
                                            "LIVEFEST_BATCH_SECONDS": os.environ.get("LIVEFEST_BATCH_SECONDS", "0.25")})
    print(f"generating {args.snapshots:,} snapshots over {args.sessions:,} sessions", flush=True)
    messages = synthetic(args.snapshots, args.sessions)
    print(f"publishing to {pipeline.topic}", flush=True)
    publish_rate = publish(bootstrap, pipeline.topic, messages, args.partitions)
    print(f"  producer: {publish_rate:,.0f} msg/s", flush=True)

    print("baseline: bare aiokafka consumer reading + parsing the same messages", flush=True)
    bare = asyncio.run(bare_consumer_rate(bootstrap, pipeline.topic, len(messages)))
    print(f"  bare consumer: {bare:,.0f} msg/s", flush=True)

    print("aggregator: starting `livefest up --no-simulator` on the backlog", flush=True)
    try:
        pipeline.start()
        assert pipeline.process is not None
        wait_until(lambda: written(pipeline) > 0, 120, "the first write")
        first = time.perf_counter()
        load = api_load.start(pipeline.url, args.api_seconds)
        last_report = first
        while (done := written(pipeline)) < len(messages):
            if time.perf_counter() - last_report > 5:
                print(f"  written {done:,}/{len(messages):,}", flush=True)
                last_report = time.perf_counter()
            if time.perf_counter() - first > 900:
                raise SystemExit("aggregator did not finish within 15 minutes")
            time.sleep(0.05)
        elapsed = time.perf_counter() - first
        rate = len(messages) / elapsed
        print(f"  aggregator: {rate:,.0f} snapshots/s ({elapsed:.1f} s)", flush=True)
        api = api_load.figures(load)
        print(f"  api ({args.api_seconds:g} s of load from the first write, ingesting for {elapsed:.1f} s): {api}",
              flush=True)
        expected_gmv = sum(1999 * ((args.snapshots - 1 - s) // args.sessions) for s in range(args.sessions)
                           if s < args.snapshots)
        # Answers follow a write within the API's freshness (it polls the write generation).
        wait_until(lambda: pipeline.json("/v1/totals")["gmv_fen"] == expected_gmv, 5, f"gmv_fen {expected_gmv}")

        print(f"freshness: {args.freshness_samples} single snapshots, ack -> visible in /v1/totals", flush=True)
        latencies = freshness(pipeline, args.freshness_samples)
        rss = peak_rss_mb(pipeline.process.pid)
    finally:
        pipeline.close()
    result = {
        "snapshots_per_s": round(rate),
        "bare_consumer_per_s": round(bare),
        "ratio": round(rate / bare, 3),
        "freshness_p50_s": round(statistics.median(latencies), 3),
        "freshness_p99_s": round(percentile(latencies, 0.99), 3),
        "peak_rss_mb": round(rss, 1),
        **api,
    }
    print(f"summary: aggregator {rate:,.0f}/s vs bare consumer {bare:,.0f}/s (ratio {rate / bare:.2f}); "
          f"freshness p50 {result['freshness_p50_s']} s, p99 {result['freshness_p99_s']} s; "
          f"peak RSS {rss:.0f} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
