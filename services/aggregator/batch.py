"""One batch of Kafka messages -> rows to write and dead letters to publish. Pure."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.aggregator.decode import Rejected, decode, decode_topic_stats
from services.aggregator.rows import snapshot_row, topic_stats_row


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class DeadLetter:
    """What goes to the dead-letter topic: the reason plus the original bytes, so the
    message can be inspected, fixed and re-published (`value_b64` is exact)."""

    message: Message
    rejected: Rejected
    rejected_at: datetime

    def to_json_bytes(self) -> bytes:
        value = self.message.value or b""
        return json.dumps(
            {
                "reason": self.rejected.reason,
                "detail": self.rejected.detail,
                "topic": self.message.topic,
                "partition": self.message.partition,
                "offset": self.message.offset,
                "key": self.message.key.decode("utf-8", "replace") if self.message.key else None,
                "value": value.decode("utf-8", "replace"),
                "value_b64": base64.b64encode(value).decode("ascii"),
                "rejected_at": self.rejected_at.isoformat(),
            },
            ensure_ascii=False,
        ).encode()


@dataclass
class Batch:
    rows: list[tuple[object, ...]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    newest: datetime | None = None
    late: int = 0


def build_batch(
    messages: Sequence[Message],
    watermark: datetime | None,
    late_bound: timedelta,
    received_at: datetime,
) -> Batch:
    """Decode every message; valid ones become rows, invalid ones dead letters.

    A snapshot is late when the watermark, as it stood when the snapshot arrived (in
    delivery order), is ahead of its `observed_at` by more than `late_bound`.
    """
    batch = Batch()
    for message in messages:
        decoded = decode(message.value)
        if isinstance(decoded, Rejected):
            batch.dead_letters.append(DeadLetter(message, decoded, received_at))
            continue
        batch.rows.append(snapshot_row(decoded, message.partition, message.offset, received_at))
        observed = decoded.observed_at
        if watermark is not None and watermark - observed > late_bound:
            batch.late += 1
        if watermark is None or observed > watermark:
            watermark = observed
            batch.newest = observed
    return batch


def build_topic_stats_batch(messages: Sequence[Message], received_at: datetime) -> Batch:
    """Decode hashtag readings; valid ones become `topic_stats` rows, invalid ones dead
    letters. Readings do not move the snapshot watermark."""
    batch = Batch()
    for message in messages:
        decoded = decode_topic_stats(message.value)
        if isinstance(decoded, Rejected):
            batch.dead_letters.append(DeadLetter(message, decoded, received_at))
        else:
            batch.rows.append(topic_stats_row(decoded, message.partition, message.offset, received_at))
    return batch
