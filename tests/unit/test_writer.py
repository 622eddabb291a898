"""The writer's retry policy: a failing ClickHouse stalls the batch, it never drops it; rows
ClickHouse refuses for their values are isolated and handed back, the rest written."""

from collections.abc import Sequence

import pytest
from prometheus_client import CollectorRegistry

from kernel.clickhouse import StoreError, StoreUnavailable
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import isolate, write_snapshots


class FlakyStore:
    """Fails the first `failures` inserts, then records what it is given."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.inserted: list[Sequence[tuple[object, ...]]] = []

    def insert_columns(self, table: str, data: Sequence[Sequence[object]], columns: Sequence[str],
                       settings=None) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.inserted.extend(zip(*data, strict=True))


def test_write_is_retried_until_it_succeeds(monkeypatch):
    monkeypatch.setattr("tenacity.nap.time.sleep", lambda _: None)
    store = FlakyStore([StoreUnavailable("down"), StoreUnavailable("still down"), StoreError("timeout")])
    metrics = AggregatorMetrics.create(CollectorRegistry())
    rows = [("a",), ("b",)]
    written = write_snapshots(store, rows, metrics)  # type: ignore[arg-type]
    assert sorted(store.inserted) == rows and not written.refused
    assert metrics.write_errors._value.get() == 3
    assert metrics.batch_size._sum.get() == 2


class RefusingStore:
    """Refuses any insert holding a row with a refused value, like a CHECK constraint would."""

    def __init__(self, refuse: set[object], code: int = 469) -> None:
        self.refuse, self.code = refuse, code
        self.stored: list[tuple[object, ...]] = []
        self.attempts = 0

    def insert_columns(self, table: str, data: Sequence[Sequence[object]], columns: Sequence[str],
                       settings=None) -> None:
        self.attempts += 1
        rows = list(zip(*data, strict=True))
        if any(row[0] in self.refuse for row in rows):
            raise StoreError(f"Code: {self.code}. DB::Exception: refused", self.code)
        self.stored.extend(rows)


def test_rows_refused_for_their_values_are_isolated_and_the_rest_written():
    store = RefusingStore({3, 11})
    rows = [(n,) for n in range(16)]
    written = write_snapshots(store, rows, AggregatorMetrics.create(CollectorRegistry()))  # type: ignore[arg-type]
    assert sorted(written.refused) == [3, 11] and all("refused" in why for why in written.refused.values())
    assert sorted(store.stored) == [(n,) for n in range(16) if n not in (3, 11)]
    assert store.attempts < 16  # bisected, not tried row by row


def test_a_lone_row_refused_with_an_unknown_code_is_refused_when_its_neighbours_are_written():
    store = RefusingStore({5}, code=12345)
    written = write_snapshots(store, [(n,) for n in range(8)], AggregatorMetrics.create(CollectorRegistry()))  # type: ignore[arg-type]
    assert list(written.refused) == [5] and len(store.stored) == 7


def test_a_refusal_of_every_row_not_about_values_is_retried_never_dead_lettered(monkeypatch):
    naps: list[float] = []
    monkeypatch.setattr("tenacity.nap.time.sleep", naps.append)

    class BrokenSchema(RefusingStore):
        def insert_columns(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            if len(naps) < 3:  # missing column, until an operator migrates
                self.attempts += 1
                raise StoreError("Code: 16. DB::Exception: No such column", 16)
            super().insert_columns(*args, **kwargs)

    store = BrokenSchema(set())
    rows = [(n,) for n in range(8)]
    written = write_snapshots(store, rows, AggregatorMetrics.create(CollectorRegistry()))  # type: ignore[arg-type]
    assert not written.refused and sorted(store.stored) == rows and len(naps) == 3


@pytest.mark.parametrize(("code", "refused"), [(469, True), (16, False)])
def test_a_single_row_batch_is_refused_only_for_its_values(monkeypatch, code: int, refused: bool):
    monkeypatch.setattr("tenacity.nap.time.sleep", lambda _: None)
    store = RefusingStore({7}, code=code)
    if refused:
        written = write_snapshots(store, [(7,)], AggregatorMetrics.create(CollectorRegistry()))  # type: ignore[arg-type]
        assert list(written.refused) == [0]
    else:
        with pytest.raises(StoreError):  # the caller's retry would spin; cut it short here
            isolate(lambda part: store.insert_columns("t", list(zip(*part, strict=True)), ["x"]), [(7,)])
