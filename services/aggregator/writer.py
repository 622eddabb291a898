"""Writes a batch of snapshot rows to ClickHouse, retrying until it succeeds.

The batch's offsets are acknowledged only after this returns, so giving up would mean
either losing the batch or committing past it. Writes are idempotent (migration 0002),
so retrying a write that may have half-succeeded is safe.
"""

import logging
import time
from collections.abc import Sequence

from tenacity import Retrying, retry_if_exception_type, wait_exponential_jitter

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.rows import SNAPSHOT_COLUMNS, TOPIC_STATS_COLUMNS

log = logging.getLogger(__name__)

# The materialised views' targets are AggregatingMergeTree: collapsing rows at insert time
# (the default) costs ~30% of the write and buys nothing, since merges and every reader
# aggregate anyway.
INSERT_SETTINGS = {"optimize_on_insert": 0}


def write_snapshots(
    store: Store, rows: Sequence[tuple[object, ...]], metrics: AggregatorMetrics
) -> None:
    write_rows(store, "snapshots", SNAPSHOT_COLUMNS, rows, metrics)


def write_topic_stats(
    store: Store, rows: Sequence[tuple[object, ...]], metrics: AggregatorMetrics
) -> None:
    write_rows(store, "topic_stats", TOPIC_STATS_COLUMNS, rows, metrics)


def write_rows(
    store: Store,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[object, ...]],
    metrics: AggregatorMetrics,
) -> None:
    """Insert one batch into `table`, retrying until ClickHouse accepts it."""
    started = time.perf_counter()

    def on_retry(state: object) -> None:
        metrics.write_errors.inc()
        outcome = getattr(state, "outcome", None)
        error = outcome.exception() if outcome is not None else None
        log.warning("ClickHouse write of %d rows failed (%s); retrying", len(rows), error)

    # Bounded backoff, unbounded attempts: an outage stalls the pipeline (lag grows and
    # alerts fire) rather than dropping data.
    for attempt in Retrying(
        retry=retry_if_exception_type((StoreUnavailable, StoreError)),
        wait=wait_exponential_jitter(multiplier=0.2, max=10.0),
        before_sleep=on_retry,
        reraise=True,
    ):
        with attempt:
            store.insert(table, rows, columns, settings=INSERT_SETTINGS)
    metrics.write_seconds.observe(time.perf_counter() - started)
    metrics.batch_size.observe(len(rows))
    metrics.last_write.set_to_current_time()
