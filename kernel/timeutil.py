"""Exact conversions between datetimes, unix microseconds and RFC 3339 (Asia/Shanghai)."""

from datetime import UTC, datetime, timedelta, timezone

from schemas import rfc3339 as rfc3339_grammar

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
    """A strict RFC 3339 timestamp with an offset (the contract's grammar); ValueError otherwise."""
    return rfc3339_grammar.parse(text)
