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

from kernel.settings import Settings
from services.aggregator.batch import Batch, Bounds, Record, build_batch, build_topic_stats_batch
from services.aggregator.rows import SNAPSHOT_COLUMNS, TOPIC_STATS_COLUMNS


@dataclass(frozen=True)
class RawTable:
    topic: str
    table: str
    columns: Sequence[str]
    _build: Callable[[Sequence[Record], datetime], Batch] = field(repr=False)

    def rows(self, records: Iterable[Record], received_at: datetime) -> list[tuple[object, ...]]:
        """The rows the aggregator writes for `records` (kafka-python's `ConsumerRecord`s, say),
        in their order; invalid ones give none."""
        return self._build(list(records), received_at).rows


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
