"""Consumer lag and topic sizes from Kafka offsets (used by the aggregator and `livefest status`).

Lag is measured against the consumer group's *committed* offsets, because the
aggregator commits only after ClickHouse accepted a batch: committed lag is the amount
of data not yet safely in ClickHouse. Reading committed offsets does not join the group,
so measuring never triggers a rebalance.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from kernel import kafka_clients
from kernel.kafka_admin import START_HINT, BrokerUnavailable
from kernel.kafka_security import KafkaAccess


@dataclass(frozen=True)
class PartitionOffsets:
    partition: int
    beginning: int
    end: int
    committed: int | None

    @property
    def lag(self) -> int:
        """Messages not yet committed; a partition never committed counts from its beginning
        (the aggregator starts there: auto_offset_reset=earliest)."""
        position = self.beginning if self.committed is None else max(self.committed, self.beginning)
        return max(0, self.end - position)

    @property
    def held(self) -> int:
        """Messages the broker currently holds in this partition."""
        return max(0, self.end - self.beginning)


class OffsetReader:
    """A kafka-python consumer used only for offset look-ups (never subscribes, never commits)."""

    def __init__(self, kafka: KafkaAccess, group: str | None = None, timeout_s: float = 10.0) -> None:
        try:
            self._consumer = kafka_clients.consumer(
                kafka,
                group_id=group,
                enable_auto_commit=False,
                request_timeout_ms=int(timeout_s * 1000) + 1000,
            )
        except KafkaError as exc:
            raise BrokerUnavailable(f"{kafka.describe()} did not answer ({exc}): {START_HINT}") from exc
        self.group = group

    def partitions(self, topic: str) -> list[int]:
        return sorted(self._consumer.partitions_for_topic(topic) or [])

    def offsets(self, topic: str, partitions: Iterable[int] | None = None) -> list[PartitionOffsets]:
        """Beginning, end and (with a group) committed offsets of `partitions` (default: all)."""
        chosen = sorted(partitions) if partitions is not None else self.partitions(topic)
        tps = [TopicPartition(topic, p) for p in chosen]
        if not tps:
            return []
        beginnings = self._consumer.beginning_offsets(tps)
        ends = self._consumer.end_offsets(tps)
        return [
            PartitionOffsets(
                partition=tp.partition,
                beginning=beginnings[tp],
                end=ends[tp],
                committed=self._consumer.committed(tp) if self.group else None,
            )
            for tp in tps
        ]

    def close(self) -> None:
        self._consumer.close()


def total_lag(offsets: Iterable[PartitionOffsets]) -> int:
    return sum(o.lag for o in offsets)


def total_held(offsets: Iterable[PartitionOffsets]) -> int:
    return sum(o.held for o in offsets)


def move_group_to_end(kafka: KafkaAccess, group: str, topics: Iterable[str]) -> int:
    """Commit `group`'s offsets at the current end of every partition of `topics`; returns
    how many messages the group thereby skips. Only for a group with no running member
    (the broker refuses the commit otherwise): `livefest up` uses it so that a simulated
    festival starts on what it publishes itself, not on what an earlier run left unread."""
    consumer = kafka_clients.consumer(kafka, group_id=group, enable_auto_commit=False)
    try:
        skipped = 0
        for topic in topics:
            tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
            if not tps:
                continue
            beginnings, ends = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
            for tp in tps:
                committed = consumer.committed(tp)
                skipped += max(0, ends[tp] - (beginnings[tp] if committed is None else committed))
            consumer.assign(tps)
            consumer.commit({tp: OffsetAndMetadata(ends[tp], "", -1) for tp in tps})
        return skipped
    finally:
        consumer.close()
