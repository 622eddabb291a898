"""Writes a batch of rows to ClickHouse: retried until it is stored, except rows ClickHouse
refuses for their values, which are isolated and handed back.

The batch's offsets are acknowledged only after this returns, so giving up would mean
either losing the batch or committing past it. Writes are idempotent (raw rows are kept
by identity, derived tables are idempotent aggregates), so retrying a write that may have
half-succeeded is safe, and so is writing a batch in parts.

On a cluster (LIVEFEST_CLICKHOUSE_CLUSTER) the store's connection makes every insert into
the Distributed tables synchronous (kernel/clickhouse.py, CLUSTER_SETTINGS): an insert
returns once every shard holds its rows, and a shard that is down is an error retried like
any outage, so the offsets never move past rows a shard does not hold. A retry may write
again the part a shard already took: the same idempotence absorbs it.

Which failures are whose:
  - the store is away or overloaded (`StoreUnavailable`): retry the whole batch with
    bounded backoff, for as long as it takes; the lag grows and the alerts fire;
  - ClickHouse refuses the insert (`StoreError`): bisect the batch to find the rows it
    refuses. A row refused on its own, for a reason about its values, is handed back to be
    dead-lettered (`store_rejected`) and the rest is written. A refusal that is not about
    the values (a schema mismatch, a bug) would refuse every row: nothing is handed back,
    the error is retried like an outage, so no good data goes to the dead letters.
"""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from tenacity import Retrying, retry_if_exception_type, wait_exponential_jitter

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from services.aggregator.columns import SNAPSHOT_TICKS, TOPIC_STATS_TICKS, to_columns
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.rows import SNAPSHOT_COLUMNS, TOPIC_STATS_COLUMNS

log = logging.getLogger(__name__)

Row = tuple[object, ...]
Insert = Callable[[Sequence[Row]], None]

INSERT_SETTINGS = {
    # The materialised views' targets are AggregatingMergeTree: collapsing rows at insert
    # time (the default) costs ~30% of the write and buys nothing, since merges and every
    # reader aggregate anyway.
    "optimize_on_insert": 0,
    # A valid batch may span any number of months (a backfill of an archived session):
    # the default limit of 100 partitions per insert would refuse it forever.
    "max_partitions_per_insert_block": 0,
    # The raw table and each materialised view's target are written by threads of their
    # own rather than one after the other (the stored rows are the same): on a busy
    # machine a write waits less for CPU (measured on the local server, 60,000 rows in
    # batches of 20,000 at load ~11 on 2 cores: median 32 -> 22 us a row, noisy).
    "parallel_view_processing": 1,
}


@dataclass
class Written:
    """What a write did: the indexes of rows ClickHouse refused, and why."""

    refused: dict[int, str] = field(default_factory=dict)


def write_snapshots(store: Store, rows: Sequence[Row], metrics: AggregatorMetrics) -> Written:
    return write_rows(store, "snapshots", SNAPSHOT_COLUMNS, rows, metrics, SNAPSHOT_TICKS)


def write_topic_stats(store: Store, rows: Sequence[Row], metrics: AggregatorMetrics) -> Written:
    return write_rows(store, "topic_stats", TOPIC_STATS_COLUMNS, rows, metrics, TOPIC_STATS_TICKS)


def write_rows(
    store: Store, table: str, columns: Sequence[str], rows: Sequence[Row], metrics: AggregatorMetrics,
    ticks: Mapping[str, timedelta] | None = None,
) -> Written:
    """Store `rows` in `table` (see the module docstring for what is retried and what is
    refused); the columns named in `ticks` go as integer ticks (columns.py)."""
    started = time.perf_counter()

    def insert(part: Sequence[Row]) -> None:
        try:
            store.insert_columns(table, to_columns(part, columns, ticks or {}), columns, settings=INSERT_SETTINGS)
        except (StoreUnavailable, StoreError):
            metrics.write_errors.inc()
            raise

    def on_retry(state: object) -> None:
        outcome = getattr(state, "outcome", None)
        error = outcome.exception() if outcome is not None else None
        log.warning("ClickHouse write of %d rows to %s failed (%s); retrying", len(rows), table, error)

    written = Written()
    # Bounded backoff, unbounded attempts: an outage stalls the pipeline (lag grows and
    # alerts fire) rather than dropping data.
    for attempt in Retrying(
        retry=retry_if_exception_type((StoreUnavailable, StoreError)),
        wait=wait_exponential_jitter(multiplier=0.2, max=10.0),
        before_sleep=on_retry,
        reraise=True,
    ):
        with attempt:
            written = Written(isolate(insert, rows))
    if written.refused:
        log.warning("ClickHouse refused %d of %d rows for %s; they go to the dead letters",
                    len(written.refused), len(rows), table)
    metrics.write_seconds.observe(time.perf_counter() - started)
    metrics.batch_size.observe(len(rows))
    metrics.last_write.set_to_current_time()
    return written


def isolate(insert: Insert, rows: Sequence[Row]) -> dict[int, str]:
    """Insert `rows`; if ClickHouse refuses, bisect to the single rows it refuses, write the
    rest and return the refused ones ({index: reason}).

    A row counts as refused only when the refusal is evidently about it: its error is about
    the values, or a neighbour was written where it was not. When neighbours are refused
    alike for a reason that is not about values, the problem is the store or the statement,
    not the rows: the error is raised (and retried by the caller), nothing is refused.
    """
    refused: dict[int, StoreError] = {}
    if not _bisect(insert, rows, 0, refused) and not all(e.about_the_data for e in refused.values()):
        raise next(iter(refused.values()))
    return {index: str(error)[:500] for index, error in refused.items()}


def _bisect(insert: Insert, rows: Sequence[Row], offset: int, refused: dict[int, StoreError]) -> bool:
    """Whether anything of `rows` was written; refused rows are added to `refused`."""
    try:
        insert(rows)
        return True
    except StoreError as exc:
        if len(rows) == 1:
            refused[offset] = exc
            return False
    middle = len(rows) // 2
    before = dict(refused)
    wrote_left = _bisect(insert, rows[:middle], offset, refused)
    wrote_right = _bisect(insert, rows[middle:], offset + middle, refused)
    if not (wrote_left or wrote_right):
        errors = [error for index, error in refused.items() if index not in before]
        if not all(error.about_the_data for error in errors):
            raise errors[0]
    return wrote_left or wrote_right
