"""One batch of Kafka messages -> rows to write and dead letters to publish. Pure and total:
whatever the messages hold, every one becomes a row or a dead letter with a reason."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from kernel.timeutil import EPOCH
from services.aggregator.decode import Rejected, decode, decode_topic_stats
from services.aggregator.rows import snapshot_row, topic_stats_row


class Record(Protocol):
    """A Kafka record as the batch code reads it: aiokafka's or kafka-python's
    `ConsumerRecord` as fetched (no copy is made of a record that becomes a row), or a `Message`."""

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
    def timestamp(self) -> int: ...  # ms: the broker's append time on our topics


class Message(NamedTuple):
    """One Kafka record as the pure code keeps it (a dead letter's). A NamedTuple, not a
    frozen dataclass: a frozen dataclass's `__init__` (a `object.__setattr__` per field)
    costs about three times as much."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int  # ms: the record's timestamp, the broker's append time on our topics

    @classmethod
    def of(cls, record: Record) -> "Message":
        return cls(record.topic, record.partition, record.offset, record.key, record.value, record.timestamp)

    @property
    def appended_at(self) -> datetime:
        return EPOCH + timedelta(milliseconds=self.timestamp)


@dataclass(frozen=True)
class Bounds:
    """Event-time policy: how late counts as late, how far ahead of the broker is refused."""

    late: timedelta
    future: timedelta


@dataclass(frozen=True)
class DeadLetter:
    """What goes to the dead-letter topic: the reason plus the original bytes, so the
    message can be inspected, fixed and re-published (`value_b64` and `key_b64` are exact;
    `key`/`value` are readable text, with undecodable bytes replaced)."""

    message: Message
    rejected: Rejected
    rejected_at: datetime

    def to_json_bytes(self) -> bytes:
        value = self.message.value or b""
        key = self.message.key
        return json.dumps(
            {
                "reason": self.rejected.reason,
                "detail": self.rejected.detail,
                "topic": self.message.topic,
                "partition": self.message.partition,
                "offset": self.message.offset,
                "key": key.decode("utf-8", "replace") if key is not None else None,
                "key_b64": base64.b64encode(key).decode("ascii") if key is not None else None,
                "value": value.decode("utf-8", "replace"),
                "value_b64": base64.b64encode(value).decode("ascii"),
                "appended_at": self.message.appended_at.isoformat(),
                "rejected_at": self.rejected_at.isoformat(),
            },
            ensure_ascii=False,
        ).encode()


@dataclass
class Batch:
    rows: list[tuple[object, ...]] = field(default_factory=list)
    messages: list[Record] = field(default_factory=list)  # the record of each row, in order
    dead_letters: list[DeadLetter] = field(default_factory=list)
    newest: datetime | None = None
    late: int = 0

    def extend(self, later: "Batch") -> None:
        """Append the batch of the records that followed this one's (decoded from the
        watermark this one left)."""
        self.rows += later.rows
        self.messages += later.messages
        self.dead_letters += later.dead_letters
        self.newest = later.newest or self.newest
        self.late += later.late


def build_batch(
    messages: Sequence[Record], watermark: datetime | None, bounds: Bounds, received_at: datetime
) -> Batch:
    """Decode every message; valid ones become rows, invalid ones dead letters.

    A snapshot is late when the watermark, as it stood when the snapshot arrived (in
    delivery order), is ahead of its `observed_at` by more than `bounds.late`. The
    watermark moves as the store's does (contract 1.1): to `min(observed_at, appended_at)`,
    so a snapshot dated ahead of the broker cannot make the others look late.
    `batch.newest` is the watermark after the batch when the batch moved it.
    """
    batch = Batch()
    appended = _AppendedAt()
    for message in messages:
        appended_at = appended(message)
        decoded = decode(message.value, appended_at, bounds.future)
        if isinstance(decoded, Rejected):
            batch.dead_letters.append(DeadLetter(Message.of(message), decoded, received_at))
            continue
        batch.rows.append(snapshot_row(decoded, message.partition, message.offset, received_at,
                                       appended_at=appended_at))
        batch.messages.append(message)
        observed = decoded.observed_at
        if watermark is not None and watermark - observed > bounds.late:
            batch.late += 1
        mark = min(observed, appended_at)
        if watermark is None or mark > watermark:
            watermark = mark
            batch.newest = mark
    return batch


def build_topic_stats_batch(messages: Sequence[Record], bounds: Bounds, received_at: datetime) -> Batch:
    """Decode hashtag readings; valid ones become `topic_stats` rows, invalid ones dead
    letters. Readings do not move the snapshot watermark."""
    batch = Batch()
    appended = _AppendedAt()
    for message in messages:
        decoded = decode_topic_stats(message.value, appended(message), bounds.future)
        if isinstance(decoded, Rejected):
            batch.dead_letters.append(DeadLetter(Message.of(message), decoded, received_at))
        else:
            batch.rows.append(topic_stats_row(decoded, message.partition, message.offset, received_at))
            batch.messages.append(message)
    return batch


class _AppendedAt:
    """A record's append time as a datetime, remembered: the broker stamps a whole produced
    batch at once, so consecutive records mostly share their timestamp."""

    def __init__(self) -> None:
        self.ms: int | None = None
        self.at = EPOCH

    def __call__(self, record: Record) -> datetime:
        if record.timestamp != self.ms:
            self.ms, self.at = record.timestamp, EPOCH + timedelta(milliseconds=record.timestamp)
        return self.at
