"""Query parameters: what each accepts, stated in the OpenAPI schema and checked here into
clear 400s (contract section 3).

What the API accepts is a subset of what the schema allows (so a request the schema
rejects is rejected), and the schema is as tight as OpenAPI can say: the enums, the
timestamps' grammar and years, the step's digits. Nothing here lets content reach
ClickHouse or Python's number limits unchecked: every value is bounded before use.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import HTTPException, Query

from kernel.semantics import METRICS
from kernel.timeutil import parse_rfc3339, to_micros
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS

# The instants the store can hold and every RFC 3339 spelling below can reach: `minute`
# is a DateTime (ends 2106-02-07), and no snapshot is older than 2000 (contract section 1).
EARLIEST = datetime(1999, 12, 31, tzinfo=UTC)
LATEST = datetime(2106, 1, 2, tzinfo=UTC)

_DATE = r"(20[0-9]{2}|210[0-5])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_OFFSET = r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
# A whole minute (bucket bounds) and any instant (as_of), both strict RFC 3339.
MINUTE_PATTERN = rf"^{_DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:00(\.0{{1,6}})?{_OFFSET}$"
INSTANT_PATTERN = rf"^{_DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?{_OFFSET}$"

# A bare number is seconds (as Prometheus and Grafana read it); s/m/h/d units. As many
# digits as 366 days take in each unit, so no value nears an integer limit before it is
# range-checked.
STEP_PATTERN = r"^([0-9]{1,8}s?|[0-9]{1,6}m|[0-9]{1,4}h|[0-9]{1,3}d)$"
MAX_STEP_S = 366 * 86_400
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def _schema(schema: dict[str, Any]) -> Any:
    """A json_schema_extra that replaces the generated parameter schema with `schema`
    (`str | None` would otherwise say `anyOf: [string, null]`, and null is no query value)."""

    def replace(generated: dict[str, Any]) -> None:
        generated.clear()
        generated.update(schema)

    return replace


def _enum(values: tuple[str, ...], alias: str, description: str) -> Any:
    schema = {"type": "string", "enum": list(values)}
    return Query(alias=alias, description=description, json_schema_extra=_schema(schema))


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise bad_request(f"unknown {name} {value[:64]!r}; expected one of: {', '.join(allowed)}")
    return value


async def county(
    value: Annotated[str | None, _enum(COUNTIES, "county", "county code (city = the city's own rooms)")] = None,
) -> str | None:
    return _one_of(value, COUNTIES, "county")


async def platform(value: Annotated[str | None, _enum(PLATFORMS, "platform", "platform")] = None) -> str | None:
    return _one_of(value, PLATFORMS, "platform")


async def special(
    value: Annotated[str | None, _enum((*SPECIALS, "none"), "special", "special (none = outside every special)")]
    = None,
) -> str | None:  # fmt: skip
    return _one_of(value, (*SPECIALS, "none"), "special")


async def metric(value: Annotated[str, _enum(METRICS, "metric", "figure per bucket")]) -> str:
    result = _one_of(value, METRICS, "metric")
    assert result is not None
    return result


def time_query(
    pattern: str, description: str, alias: str | None = None, example: str = "2021-10-23T00:00:00+08:00"
) -> Any:
    schema = {"type": "string", "format": "date-time", "pattern": pattern, "examples": [example]}
    return Query(alias=alias, description=description, json_schema_extra=_schema(schema))


def step_query() -> Any:
    schema = {"type": "string", "pattern": STEP_PATTERN, "default": "60", "examples": ["1h", "60", "5m", "1d"]}
    return Query(
        description="bucket width, a whole number of minutes up to 366 days: a bare number is seconds "
        "(60 = one minute, as Prometheus reads it), or 300s, 5m, 1h, 1d",
        json_schema_extra=_schema(schema),
    )


def step_seconds(value: str) -> int:
    """`60`, `60s`, `5m`, `1h`, `1d` as seconds: a positive whole number of minutes, at most 366 days."""
    if not re.fullmatch(STEP_PATTERN, value):
        raise bad_request(f"step {value[:64]!r} is not a duration like 60, 300s, 5m, 1h or 1d")
    seconds = int(value.rstrip("smhd")) * _UNIT_SECONDS[value[-1] if value[-1] in "smhd" else ""]
    if seconds <= 0 or seconds % 60:
        raise bad_request(f"step {value!r} must be a positive whole number of minutes (a bare number is seconds)")
    if seconds > MAX_STEP_S:
        raise bad_request(f"step {value!r} is longer than 366 days")
    return seconds


def instant(value: str, name: str, whole_minute: bool = True) -> datetime:
    """A strict RFC 3339 instant within the store's years; a whole minute unless told."""
    try:
        parsed = parse_rfc3339(value)
    except ValueError as exc:
        raise bad_request(f"{name}: {exc}") from exc
    if whole_minute and (parsed.second or parsed.microsecond):
        raise bad_request(f"{name} {value!r} must fall on a whole minute (figures are kept per minute)")
    if not EARLIEST <= parsed <= LATEST:
        raise bad_request(f"{name} {value!r} is outside the instants the store holds (years 2000 to 2105)")
    if not re.fullmatch(MINUTE_PATTERN if whole_minute else INSTANT_PATTERN, value):
        raise bad_request(f"{name} {value!r} must have a year from 2000 to 2105 and an offset within ±23:59")
    return parsed


async def as_of(
    value: Annotated[
        str | None,
        time_query(
            INSTANT_PATTERN, "event time T (RFC 3339): the figures as they stood when the watermark was at T", "as_of"
        ),
    ] = None,
) -> int | None:
    """`as_of` as unix microseconds (any instant, not only whole minutes), or None."""
    return None if value is None else to_micros(instant(value, "as_of", whole_minute=False))
