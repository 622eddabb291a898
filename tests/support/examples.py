"""How the example payloads in schemas/examples are judged: as if the broker had appended
them just after the festival (schemas/topics.md), with the default bound on event time."""

from datetime import UTC, datetime, timedelta

from services.aggregator.batch import Bounds, Message

APPENDED_AT = datetime(2021, 11, 14, 16, 0, tzinfo=UTC)  # 2021-11-15T00:00:00+08:00
APPENDED_MS = int(APPENDED_AT.timestamp() * 1000)
MAX_FUTURE = timedelta(seconds=300)
BOUNDS = Bounds(late=timedelta(minutes=10), future=MAX_FUTURE)


def message(value: bytes | None, offset: int = 0, *, topic: str = "livefest.snapshots.v1", partition: int = 3,
            key: bytes | None = b"douyin:s1", appended_ms: int = APPENDED_MS) -> Message:
    return Message(topic, partition, offset, key, value, appended_ms)
