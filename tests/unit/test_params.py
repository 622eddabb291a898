"""The API's query parameters at their edges (contract section 3): every unit of `step`, the
bare default, zero, the 366-day bound; instants on the store's first and last years; the
enums; and the OpenAPI schema each parameter states. Expected values are written out here,
never computed by services.api.params."""

import asyncio
from datetime import UTC, datetime

import pytest
from fastapi import HTTPException

from services.api import params


def refused(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(HTTPException) as caught:
        call(*args, **kwargs)
    assert caught.value.status_code == 400
    return str(caught.value.detail)


@pytest.mark.parametrize(("step", "seconds"), [
    ("60", 60),  # the default: a bare number is seconds, so one minute (not 60 minutes, not 120 s)
    ("120", 120), ("60s", 60), ("300s", 300), ("1m", 60), ("5m", 300), ("1h", 3600), ("2h", 7200),
    ("1d", 86_400), ("3d", 259_200), ("31622400", 31_622_400), ("527040m", 31_622_400), ("8784h", 31_622_400),
    ("366d", 31_622_400), ("00060", 60),
])
def test_step_units(step: str, seconds: int):
    assert params.step_seconds(step) == seconds


@pytest.mark.parametrize("step", ["0", "0s", "0m", "0h", "0d"])
def test_step_zero_is_refused(step: str):
    assert refused(params.step_seconds, step) == (
        f"step {step!r} must be a positive whole number of minutes (a bare number is seconds)"
    )


@pytest.mark.parametrize("step", ["30", "90", "61s", "59s", "1"])
def test_step_must_be_whole_minutes(step: str):
    assert "must be a positive whole number of minutes" in refused(params.step_seconds, step)


@pytest.mark.parametrize("step", ["367d", "527041m", "31622460", "8785h"])
def test_step_longer_than_366_days_is_refused(step: str):
    assert refused(params.step_seconds, step) == f"step {step!r} is longer than 366 days"


@pytest.mark.parametrize("step", ["", "1w", "5M", "-60", "1.5m", "60 ", "m", "123456789", "1234567m", "12345h",
                                  "1234d", "1h30m"])
def test_step_that_is_no_duration(step: str):
    assert refused(params.step_seconds, step) == (
        f"step {step!r} is not a duration like 60, 300s, 5m, 1h or 1d"
    )


def test_a_long_bad_step_is_cut_in_the_message():
    detail = refused(params.step_seconds, "x" * 100)
    assert detail == f"step {'x' * 64!r} is not a duration like 60, 300s, 5m, 1h or 1d"


def test_instants_on_a_whole_minute():
    assert params.instant("2021-10-23T00:00:00+08:00", "from") == datetime(2021, 10, 22, 16, 0, tzinfo=UTC)
    assert params.instant("2021-10-23T00:01:00.000Z", "from") == datetime(2021, 10, 23, 0, 1, tzinfo=UTC)
    assert refused(params.instant, "2021-10-23T00:00:30+08:00", "from") == (
        "from '2021-10-23T00:00:30+08:00' must fall on a whole minute (figures are kept per minute)"
    )
    assert "must fall on a whole minute" in refused(params.instant, "2021-10-23T00:00:00.5Z", "to")


def test_any_instant_where_allowed():
    got = params.instant("2021-10-23T00:00:30.25+08:00", "as_of", whole_minute=False)
    assert got == datetime(2021, 10, 22, 16, 0, 30, 250_000, tzinfo=UTC)


def test_instants_at_the_store_bounds():
    # The first instant any allowed spelling reaches, and the last: both inside.
    assert params.instant("2000-01-01T00:00:00+23:59", "from") == datetime(1999, 12, 31, 0, 1, tzinfo=UTC)
    assert params.instant("2105-12-31T23:59:00-23:59", "to") == datetime(2106, 1, 1, 23, 58, tzinfo=UTC)
    # Exactly on the bounds: inside the range, but no allowed year.
    for edge in ("1999-12-31T00:00:00Z", "2106-01-02T00:00:00Z"):
        assert refused(params.instant, edge, "from") == (
            f"from {edge!r} must have a year from 2000 to 2105 and an offset within ±23:59"
        )
    # Just beyond them.
    for beyond in ("1999-12-30T23:59:00Z", "2106-01-02T00:01:00Z"):
        assert refused(params.instant, beyond, "to") == (
            f"to {beyond!r} is outside the instants the store holds (years 2000 to 2105)"
        )


def test_a_malformed_instant_names_the_parameter():
    assert refused(params.instant, "yesterday", "from").startswith("from: ")


def test_as_of_is_unix_microseconds():
    assert asyncio.run(params.as_of(None)) is None
    assert asyncio.run(params.as_of("2021-10-23T00:00:00.5Z")) == 1_634_947_200_500_000
    assert asyncio.run(params.as_of("2021-10-23T00:00:00+08:00")) == 1_634_918_400_000_000
    assert refused(lambda: asyncio.run(params.as_of("2021-10-23T00:00:00.5+24:00"))).startswith("as_of: ")
    assert refused(lambda: asyncio.run(params.as_of("1999-12-30T00:00:00Z"))) == (
        "as_of '1999-12-30T00:00:00Z' is outside the instants the store holds (years 2000 to 2105)"
    )


def test_enumerated_parameters():
    assert asyncio.run(params.county("yingde")) == "yingde"
    assert asyncio.run(params.county(None)) is None
    assert asyncio.run(params.platform("douyin")) == "douyin"
    assert asyncio.run(params.special("none")) == "none"
    assert asyncio.run(params.special("rural")) == "rural"
    assert asyncio.run(params.metric("gmv_fen")) == "gmv_fen"
    assert refused(lambda: asyncio.run(params.county("Yingde"))) == (
        "unknown county 'Yingde'; expected one of: city, qingcheng, qingxin, yingde, lianzhou, fogang, yangshan, "
        "lianshan, liannan"
    )
    assert refused(lambda: asyncio.run(params.platform("x" * 80))) == (
        f"unknown platform {'x' * 64!r}; expected one of: douyin, taobao, weishi, channels, aiguang, yizhibo, "
        "miniprogram, kuaishou"
    )
    assert refused(lambda: asyncio.run(params.special("city"))) == (
        "unknown special 'city'; expected one of: launch, rural, fashion, none"
    )
    assert refused(lambda: asyncio.run(params.metric("gmv"))) == (
        "unknown metric 'gmv'; expected one of: viewers_total, orders, units_sold, gmv_fen, viewers_online"
    )


def schema_of(query) -> dict:  # type: ignore[no-untyped-def]
    generated = {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Value"}
    query.json_schema_extra(generated)
    return generated


def test_the_schemas_the_parameters_state():
    step = params.step_query()
    assert schema_of(step) == {
        "type": "string", "pattern": params.STEP_PATTERN, "default": "60", "examples": ["1h", "60", "5m", "1d"],
    }
    assert step.description == (
        "bucket width, a whole number of minutes up to 366 days: a bare number is seconds "
        "(60 = one minute, as Prometheus reads it), or 300s, 5m, 1h, 1d"
    )
    instant = params.time_query(params.MINUTE_PATTERN, "bucket start", "from")
    assert (instant.alias, instant.description) == ("from", "bucket start")
    assert schema_of(instant) == {
        "type": "string", "format": "date-time", "pattern": params.MINUTE_PATTERN,
        "examples": ["2021-10-23T00:00:00+08:00"],
    }
    assert schema_of(params.time_query("p", "d", example="2021-10-24T00:00:00Z"))["examples"] == [
        "2021-10-24T00:00:00Z"
    ]
    enum = params._enum(("a", "b"), "county", "county code")
    assert (enum.alias, enum.description) == ("county", "county code")
    assert schema_of(enum) == {"type": "string", "enum": ["a", "b"]}


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    (params.MINUTE_PATTERN, "2021-10-23T00:00:00+08:00", True),
    (params.MINUTE_PATTERN, "2021-10-23t23:59:00.000000z", True),
    (params.MINUTE_PATTERN, "2021-10-23T00:00:01+08:00", False),
    (params.MINUTE_PATTERN, "2021-10-23T24:00:00Z", False),
    (params.MINUTE_PATTERN, "2021-10-23T00:00:00+24:00", False),
    (params.INSTANT_PATTERN, "2021-10-23T00:00:59.123456-08:30", True),
    (params.INSTANT_PATTERN, "2021-10-23T00:00:60Z", False),
    (params.INSTANT_PATTERN, "1999-12-31T00:00:00Z", False),
    (params.INSTANT_PATTERN, "2106-01-01T00:00:00Z", False),
    (params.INSTANT_PATTERN, "2021-13-01T00:00:00Z", False),
])
def test_the_stated_patterns(pattern: str, text: str, matches: bool):
    import re

    assert bool(re.fullmatch(pattern, text)) is matches
