"""How fast the aggregator workers of a running pipeline drain a backlog, and where each
snapshot's time went, from their own metrics.

The rate is timed by the workers' own clock: `livefest_aggregator_last_write_timestamp_seconds`
is set at the end of every write, so the rows counted when the first write is seen were all
written by the latest of those timestamps, and the last row by the latest timestamp once
every row is written. The bench polls the metrics only to notice progress, four times a
second (each scrape costs the worker some CPU), and the poll interval does not enter the
rate. With several workers, every worker's timestamp counts: the clock starts at the latest
write seen at the first poll, and the rows seen then are left out of the rate. The clock stops
once the workers have written N rows *and* committed every offset: with several workers a
rebalance at start-up has a delivery read and written again, and its rows count once.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.support.pipeline import Pipeline, metric_value, wait_until

ROWS = "livefest_aggregator_batch_size_sum"
WRITES = "livefest_aggregator_batch_size_count"
LAST_WRITE = "livefest_aggregator_last_write_timestamp_seconds"
STAGE_SECONDS = "livefest_aggregator_stage_seconds_sum"
STAGES = ("decode", "dead_letters", "write", "write_wait", "delivery_wait", "ack", "commit")
POLL_S = 0.25


@dataclass(frozen=True)
class Progress:
    rows: int  # written so far, every worker together
    last_write: float  # the latest write's end, any worker (epoch seconds; 0 before any)


def progress(pipeline: Pipeline) -> Progress:
    texts = pipeline.aggregator_metrics()
    return Progress(rows=int(sum(metric_value(t, ROWS) for t in texts)),
                    last_write=max((metric_value(t, LAST_WRITE) for t in texts), default=0.0))


@dataclass(frozen=True)
class Drained:
    rate: float  # snapshots/s after the first write seen; 0 when too few rows were left to time
    rows_timed: int
    seconds: float
    rows_before: int  # written before the clock started


def drain(pipeline: Pipeline, total: int, on_first_write: Callable[[], None] | None = None,
          timeout_s: float = 900) -> Drained:
    """Wait until the workers have written `total` rows and time them (module docstring);
    `on_first_write` runs as soon as the first write is seen (the API load starts then)."""
    first = wait_until(lambda: (p := progress(pipeline)).rows and p, 180, "the first write", every_s=POLL_S)
    if on_first_write:
        on_first_write()
    deadline, report = time.monotonic() + timeout_s, time.monotonic() + 5
    while (now := progress(pipeline)).rows < total or not pipeline.consumed_offsets_caught_up():
        if time.monotonic() > report:
            print(f"  written {now.rows:,}/{total:,}", flush=True)
            report = time.monotonic() + 5
        if time.monotonic() > deadline:
            raise SystemExit(f"the aggregator did not write {total:,} rows within {timeout_s:.0f} s")
        time.sleep(POLL_S)
    if now.rows > total:
        print(f"  {now.rows - total:,} rows were written twice (a delivery read again after a rebalance): "
              "the rate counts each snapshot once", flush=True)
    seconds = now.last_write - first.last_write
    if first.rows > total // 2 or seconds <= 0:  # too few rows left to time: say so rather than print a rate
        print(f"  {first.rows:,} of {total:,} rows were written before the first write was seen: no rate "
              "(use more --snapshots)", flush=True)
        return Drained(0.0, 0, seconds, first.rows)
    drained = Drained((total - first.rows) / seconds, total - first.rows, seconds, first.rows)
    print(f"  {drained.rate:,.0f} snapshots/s ({drained.rows_timed:,} rows in {seconds:.2f} s after the first "
          f"{first.rows:,}, by the workers' write clock)", flush=True)
    return drained


def stage_costs(pipeline: Pipeline, snapshots: int, prefix: str = "") -> dict[str, float]:
    """Microseconds per snapshot each stage of the batch path took, summed over the workers,
    and how many rows one ClickHouse write carried on average (each insert has a fixed cost
    on the server, so this number says much about the write's cost per row). With several
    batches in flight, the write stage of two batches overlaps: its sum is no longer wall time."""
    texts = pipeline.aggregator_metrics()
    costs = {f"{prefix}stage_{stage}_us": round(sum(metric_value(t, STAGE_SECONDS, stage=stage) for t in texts)
                                                 / snapshots * 1e6, 2)
             for stage in STAGES}
    writes = sum(metric_value(t, WRITES) for t in texts)
    rows = sum(metric_value(t, ROWS) for t in texts)
    costs[f"{prefix}rows_per_write"] = round(rows / writes) if writes else 0
    return costs
