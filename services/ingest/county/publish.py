"""Publishing a checked county report: every snapshot to the snapshot topic (key =
session_id, acks=all, idempotent producer), returning only once Kafka acknowledged each.

Thin on purpose: what is published was decided by the pure `parse_report`. If the broker
fails half-way, some snapshots may be in Kafka and others not; the caller says so and
asks for the same file again, which is safe (identity `(session_id, observed_at)`: a
snapshot delivered twice counts once).
"""

from collections.abc import Sequence

from kafka.errors import KafkaError

from kernel.kafka_security import KafkaAccess
from schemas.snapshot import Snapshot
from services.ingest.publisher import BrokerUnreachable, SnapshotPublisher

OPTIONS = {"max_block_ms": 10_000, "request_timeout_ms": 10_000, "delivery_timeout_ms": 30_000}


class NotDelivered(RuntimeError):
    """Kafka did not acknowledge every snapshot of the report; sending the file again is safe."""


def publish(snapshots: Sequence[Snapshot], kafka: KafkaAccess, topic: str, timeout_s: float = 30.0) -> int:
    """Send `snapshots` in order and wait for the broker's acknowledgement of every one."""
    try:
        publisher = SnapshotPublisher(kafka, topic, linger_ms=0, **OPTIONS)
    except (BrokerUnreachable, KafkaError) as exc:
        raise NotDelivered(f"Kafka at {kafka.describe()} is unreachable: {exc}") from exc
    try:
        futures = [publisher.publish(s) for s in snapshots]
        publisher.flush(timeout=timeout_s)
        failed = [f for f in futures if not (f.is_done and f.succeeded())]
    except (BrokerUnreachable, KafkaError) as exc:
        raise NotDelivered(f"Kafka did not acknowledge the report: {exc}") from exc
    finally:
        publisher.close(timeout=5)
    if failed:
        raise NotDelivered(f"Kafka did not acknowledge {len(failed)} of {len(futures)} snapshots")
    return len(futures)
