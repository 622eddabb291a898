"""What one written row costs in ClickHouse: the raw insert, and each materialised view on
its own (the same rows the aggregator writes, in its batch size and insert settings).

Each variant gets a scratch database with the migrations applied and every materialised
view dropped but the one measured; rows go in batch by batch as the writer inserts them (its
columns and settings). The best of `rounds` runs counts (anything else on the machine only adds).
"""

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from kernel.clickhouse import Store
from kernel.migrate import migrate
from services.aggregator.batch import Bounds, Message, build_batch
from services.aggregator.columns import SNAPSHOT_TICKS, to_columns
from services.aggregator.rows import SNAPSHOT_COLUMNS
from services.aggregator.writer import INSERT_SETTINGS

VIEWS_OF_SNAPSHOTS = ("session_claims_mv", "lane_newest_mv", "lane_closings_mv")


def rows_of(messages: Sequence[tuple[bytes, bytes]]) -> list[tuple[object, ...]]:
    now = datetime.now(UTC)
    appended_ms = int(now.timestamp() * 1000)
    records = [Message("bench", 0, i, key, value, appended_ms) for i, (key, value) in enumerate(messages)]
    batch = build_batch(records, None, Bounds(timedelta(minutes=10), timedelta(seconds=300)), now)
    assert not batch.dead_letters
    return batch.rows


def insert_seconds(store: Store, rows: Sequence[tuple[object, ...]], batch_size: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(rows), batch_size):
        part = rows[i : i + batch_size]
        store.insert_columns("snapshots", to_columns(part, SNAPSHOT_COLUMNS, SNAPSHOT_TICKS), SNAPSHOT_COLUMNS,
                             settings=INSERT_SETTINGS)
    return time.perf_counter() - started


def variant_seconds(store: Store, keep: tuple[str, ...], rows: Sequence[tuple[object, ...]], batch_size: int,
                    tag: str) -> float:
    database = f"bench_costs_{tag}"
    store.command(f"DROP DATABASE IF EXISTS {database}")
    store.command(f"CREATE DATABASE {database}")
    scratch = store.in_database(database)
    try:
        migrate(scratch)
        for view in VIEWS_OF_SNAPSHOTS:
            if view not in keep:
                scratch.command(f"DROP VIEW {view}")
        return insert_seconds(scratch, rows, batch_size)
    finally:
        store.command(f"DROP DATABASE IF EXISTS {database}")


def write_costs(store: Store, messages: Sequence[tuple[bytes, bytes]], batch_size: int,
                rounds: int = 2) -> dict[str, float]:
    """Microseconds per row: `insert` (raw table alone), and what each view adds to it."""
    rows = rows_of(messages)
    variants = {"insert": (), **{view: (view,) for view in VIEWS_OF_SNAPSHOTS}, "all": VIEWS_OF_SNAPSHOTS}
    best = {name: min(variant_seconds(store, keep, rows, batch_size, f"{name}_{r}") for r in range(rounds))
            for name, keep in variants.items()}
    per_row = {name: seconds / len(rows) * 1e6 for name, seconds in best.items()}
    costs = {"write_insert_us_per_row": per_row["insert"]}
    for view in VIEWS_OF_SNAPSHOTS:
        costs[f"write_{view.removesuffix('_mv')}_view_us_per_row"] = per_row[view] - per_row["insert"]
    costs["write_all_us_per_row"] = per_row["all"]
    return {k: round(v, 2) for k, v in costs.items()}
