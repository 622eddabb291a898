"""The writer's columns (integer ticks for DateTime64, columns.py) store exactly the rows
that handing clickhouse-connect the decoded datetimes stores: valid snapshots of every
shape, decoded by the aggregator's own batch code, written both ways into the real engine
and compared row by row, in `snapshots` and in both materialised views' targets."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.migrate import migrate
from schemas.snapshot import (
    CATEGORIES,
    COUNTIES,
    EARLIEST,
    LATEST,
    MAX_SAFE_INTEGER,
    PLATFORMS,
    SPECIALS,
    Snapshot,
)
from services.aggregator.batch import Bounds, Message, build_batch
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.rows import SNAPSHOT_COLUMNS
from services.aggregator.writer import write_snapshots
from tests.support.scenario import snapshot

BOUNDS = Bounds(late=timedelta(minutes=10), future=timedelta(seconds=300))
# Whole minutes, as RFC 3339 offsets are.
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
# Every instant the store holds, in any offset (microseconds included, both bounds reachable).
instants = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2106, 2, 6)).flatmap(
    lambda naive: offsets.map(lambda tz: naive.replace(tzinfo=UTC).astimezone(tz)))
edges = st.sampled_from([EARLIEST, EARLIEST + timedelta(microseconds=1), LATEST - timedelta(microseconds=1),
                         datetime(2038, 1, 19, 3, 14, 7, 999_999, tzinfo=UTC)])
counts = st.integers(0, MAX_SAFE_INTEGER)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    return snapshot(
        platform=draw(st.sampled_from(PLATFORMS)), county=draw(st.sampled_from(COUNTIES)),
        session_id=draw(st.from_regex(r"[A-Za-z0-9:_.\-]{1,40}", fullmatch=True)),
        room_id=draw(st.from_regex(r"[A-Za-z0-9:_.\-]{1,20}", fullmatch=True)),
        special=draw(st.none() | st.sampled_from(SPECIALS)), status=draw(st.sampled_from(["live", "ended"])),
        observed_at=draw(instants | edges), polled_at=draw(st.none() | instants | edges),
        viewers_online=draw(counts), viewers_total=draw(counts), orders=draw(counts), units_sold=draw(counts),
        gmv_fen=draw(counts), products_listed=draw(counts),
        categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=4))),
    )


# Distinct identities: ReplacingMergeTree may collapse duplicates in either database at any
# time, which would make the comparison depend on when merges ran.
batches = st.lists(snapshots(), min_size=1, max_size=25, unique_by=lambda s: (s.session_id, s.observed_at))


def rows_of(values: Sequence[Snapshot], received_at: datetime) -> list[tuple[object, ...]]:
    """The rows the aggregator writes for these snapshots' messages (appended after the newest of them)."""
    messages = [Message("t", i % 3, i, None, value.to_json_bytes(), int(LATEST.timestamp() * 1000))
                for i, value in enumerate(values)]
    batch = build_batch(messages, None, BOUNDS, received_at)
    assert not batch.dead_letters
    return batch.rows


def stored(store: Store) -> list[list[tuple[object, ...]]]:
    return [
        store.rows("SELECT * FROM snapshots ORDER BY session_id, observed_at, kafka_offset"),
        store.rows("SELECT session_id, lane, argMaxMerge(newest), max(observed_at), min(first_observed_at), "
                   "max(mark) FROM lane_newest GROUP BY session_id, lane ORDER BY session_id, lane"),
        store.rows("SELECT minute, session_id, lane, argMaxMerge(closing) FROM lane_closings "
                   "GROUP BY minute, session_id, lane ORDER BY minute, session_id, lane"),
        store.rows("SELECT session_id, lane, min(first) FROM session_claims GROUP BY session_id, lane "
                   "ORDER BY session_id, lane"),
    ]


@pytest.fixture
def reference(store: Store) -> Iterator[Store]:
    """A second migrated database beside the test's own."""
    other = store.in_database(f"{store.database}_reference")
    store.command(f"DROP DATABASE IF EXISTS {other.database}")
    store.command(f"CREATE DATABASE {other.database}")
    migrate(other)
    yield other
    store.command(f"DROP DATABASE IF EXISTS {other.database}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches, instants | edges)
@example([snapshot(observed_at=LATEST - timedelta(microseconds=1), polled_at=EARLIEST)],
         datetime(2106, 2, 6, 23, 59, 59, 999_999, tzinfo=UTC))
def test_integer_ticks_store_the_same_rows_as_datetimes(store: Store, reference: Store, values: list[Snapshot],
                                                        received_at: datetime) -> None:
    try:
        rows = rows_of(values, received_at)
        # Today's reference: the decoded datetimes, converted by clickhouse-connect.
        reference.insert_columns("snapshots", list(zip(*rows, strict=True)), SNAPSHOT_COLUMNS)
        written = write_snapshots(store, rows, AggregatorMetrics.create(CollectorRegistry()))
        assert not written.refused
        assert stored(store) == stored(reference)
        assert len(stored(store)[0]) == len(values)
    finally:
        for database in (store, reference):
            for table in ("snapshots", "lane_newest", "lane_closings", "session_claims"):
                database.command(f"TRUNCATE TABLE {table}")
