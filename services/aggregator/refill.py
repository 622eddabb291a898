"""The aggregator's raw tables as a replay target: what `livefest rebuild --from-topic`
needs from the aggregator, as one small public interface instead of its batch internals.

For each raw table the aggregator fills: the topic it reads, the columns it writes, and
the aggregator's own pure decoding of that topic's records into rows. Invalid records
give no row (they are already in the dead-letter topics); rows keep their Kafka
partition and offset, so ties between deliveries break exactly as they did live, and
event time is bounded by each record's own (broker) timestamp, so a record refused live
is refused again.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from kernel.settings import Settings
from services.aggregator.batch import Batch, Bounds, Message, build_batch, build_topic_stats_batch
from services.aggregator.rows import SNAPSHOT_COLUMNS, TOPIC_STATS_COLUMNS


class Record(Protocol):
    """A consumed Kafka record (kafka-python's `ConsumerRecord` is one)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def timestamp(self) -> int: ...


@dataclass(frozen=True)
class RawTable:
    topic: str
    table: str
    columns: Sequence[str]
    _build: Callable[[Sequence[Message], datetime], Batch] = field(repr=False)

    def rows(self, records: Iterable[Record], received_at: datetime) -> list[tuple[object, ...]]:
        """The rows the aggregator writes for `records`, in their order; invalid ones give none."""
        messages = [Message(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp) for r in records]
        return self._build(messages, received_at).rows


def raw_tables(settings: Settings) -> list[RawTable]:
    """Every raw table the aggregator fills, with the topic it reads: snapshots, then hashtag readings."""
    bounds = Bounds(late=timedelta(seconds=settings.late_bound_seconds),
                    future=timedelta(seconds=settings.max_future_seconds))
    return [
        RawTable(settings.snapshot_topic, "snapshots", SNAPSHOT_COLUMNS,
                 lambda messages, now: build_batch(messages, None, bounds, now)),
        RawTable(settings.topicstats_topic, "topic_stats", TOPIC_STATS_COLUMNS,
                 lambda messages, now: build_topic_stats_batch(messages, bounds, now)),
    ]  # fmt: skip
