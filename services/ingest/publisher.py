"""Publishes snapshots to Kafka with kafka-python: acks=all, idempotent, key = session_id."""

import logging
from collections.abc import Iterable

from kafka.errors import KafkaError

from kernel import kafka_clients
from kernel.kafka_security import KafkaAccess
from schemas.snapshot import Snapshot

log = logging.getLogger(__name__)


class BrokerUnreachable(RuntimeError):
    pass


class SnapshotPublisher:
    def __init__(self, kafka: KafkaAccess, topic: str, *, linger_ms: int = 5, **options: object) -> None:
        self.topic = topic
        try:
            self._producer = kafka_clients.producer(
                kafka,
                acks="all",
                enable_idempotence=True,
                linger_ms=linger_ms,
                batch_size=256 * 1024,
                compression_type=None,
                **options,
            )
        except KafkaError as exc:
            raise BrokerUnreachable(
                f"{kafka.describe()} is unreachable: start the broker with "
                "`scripts/kafka-local.sh start` (or `make broker-start`)"
            ) from exc

    def publish(self, snapshot: Snapshot):  # type: ignore[no-untyped-def]
        """Queue one snapshot; returns kafka-python's future (resolved on the broker's ack)."""
        return self.publish_raw(snapshot.session_id.encode(), snapshot.to_json_bytes())

    def publish_raw(self, key: bytes | None, value: bytes, topic: str | None = None):  # type: ignore[no-untyped-def]
        return self._producer.send(topic or self.topic, key=key, value=value)

    def publish_all(self, snapshots: Iterable[Snapshot]) -> int:
        count = 0
        for snapshot in snapshots:
            self.publish(snapshot)
            count += 1
        self.flush()
        return count

    def flush(self, timeout: float | None = None) -> None:
        try:
            self._producer.flush(timeout=timeout)
        except KafkaError as exc:
            raise BrokerUnreachable(f"could not deliver to Kafka: {exc}") from exc

    def close(self, timeout: float | None = None) -> None:
        self._producer.close(timeout=timeout)
