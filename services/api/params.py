"""Validation of query parameters into clear 4xx messages (contract section 3)."""

import re
from datetime import datetime
from typing import Annotated

from fastapi import HTTPException, Query

from kernel.semantics import METRICS
from kernel.timeutil import parse_rfc3339, to_micros
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS

_STEP = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise bad_request(f"unknown {name} {value!r}; expected one of: {', '.join(allowed)}")
    return value


def county(value: Annotated[str | None, Query(alias="county")] = None) -> str | None:
    return _one_of(value, COUNTIES, "county")


def platform(value: Annotated[str | None, Query(alias="platform")] = None) -> str | None:
    return _one_of(value, PLATFORMS, "platform")


def special(value: Annotated[str | None, Query(alias="special")] = None) -> str | None:
    return _one_of(value, (*SPECIALS, "none"), "special")


def metric(value: str) -> str:
    result = _one_of(value, METRICS, "metric")
    assert result is not None
    return result


def step_seconds(value: str) -> int:
    """`60`, `60s`, `5m`, `1h`, `1d`; a whole number of minutes (the storage resolution)."""
    match = _STEP.match(value.strip())
    if not match:
        raise bad_request(f"step {value!r} is not a duration like 60, 300s, 5m, 1h or 1d")
    seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    if seconds <= 0 or seconds % 60:
        raise bad_request(f"step {value!r} must be a positive whole number of minutes")
    return seconds


def instant(value: str, name: str) -> datetime:
    try:
        parsed = parse_rfc3339(value)
    except ValueError as exc:
        raise bad_request(f"{name}: {exc}") from exc
    if parsed.second or parsed.microsecond:
        raise bad_request(
            f"{name} {value!r} must fall on a whole minute (figures are kept per minute)"
        )
    return parsed


def as_of(
    value: Annotated[
        str | None,
        Query(
            alias="as_of",
            description="event time T (RFC 3339): the figures as they stood when the watermark was at T",
        ),
    ] = None,
) -> int | None:
    """`as_of` as unix microseconds (any instant, not only whole minutes), or None."""
    if value is None:
        return None
    try:
        return to_micros(parse_rfc3339(value))
    except ValueError as exc:
        raise bad_request(f"as_of: {exc}") from exc
