"""The writer's retry policy: a failing ClickHouse stalls the batch, it never drops it."""

from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from kernel.clickhouse import StoreError, StoreUnavailable
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import write_snapshots


class FlakyStore:
    """Fails the first `failures` inserts, then records what it is given."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.inserted: list[Sequence[tuple[object, ...]]] = []

    def insert(self, table: str, rows: Sequence[tuple[object, ...]], columns: Sequence[str], settings=None) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.inserted.append(rows)


def test_write_is_retried_until_it_succeeds(monkeypatch):
    monkeypatch.setattr("tenacity.nap.time.sleep", lambda _: None)
    store = FlakyStore([StoreUnavailable("down"), StoreUnavailable("still down"), StoreError("timeout")])
    metrics = AggregatorMetrics.create(CollectorRegistry())
    rows = [("a",), ("b",)]
    write_snapshots(store, rows, metrics)  # type: ignore[arg-type]
    assert store.inserted == [rows]
    assert metrics.write_errors._value.get() == 3
    assert metrics.batch_size._sum.get() == 2
