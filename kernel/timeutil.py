"""Exact conversions between datetimes, unix microseconds and RFC 3339 (Asia/Shanghai)."""

from datetime import UTC, datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def to_micros(instant: datetime) -> int:
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def rfc3339(instant: datetime) -> str:
    """Shanghai wall time with its offset, milliseconds kept: 2021-10-23T10:05:00.000+08:00."""
    return instant.astimezone(SHANGHAI).isoformat(timespec="milliseconds")


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 timestamp with an offset (`Z` allowed); ValueError otherwise."""
    if "T" not in text.upper():
        raise ValueError(
            f"{text!r} is not an RFC 3339 timestamp (expected YYYY-MM-DDTHH:MM:SS±HH:MM)"
        )
    parsed = datetime.fromisoformat(text.replace("z", "Z"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (add Z or +08:00)")
    return parsed
