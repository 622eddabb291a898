"""The exact conversions every adapter relies on."""

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.timeutil import SHANGHAI
from services.ingest.adapters.common import (
    MalformedPayload,
    categories,
    fen_from_yuan,
    from_beijing_text,
    from_unix_millis,
    from_unix_seconds,
    integer,
)
from services.simulator.platforms.base import yuan_float, yuan_text

FEN = st.integers(min_value=0, max_value=2**53 // 100)


@given(FEN)
def test_float_yuan_round_trips_exactly(fen: int):
    assert fen_from_yuan(yuan_float(fen), "x") == fen


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_decimal_yuan_text_round_trips_exactly(fen: int):
    assert fen_from_yuan(yuan_text(fen), "x", signed=True) == fen


@pytest.mark.parametrize("value,fen", [("0.1", 10), ("1234.50", 123450), (0.29, 29), (1, 100), ("-0.01", None),
                                       (" 7.00 ", 700), (1e-2, 1), ("1e2", 10000)])
def test_yuan_values(value, fen):
    if fen is None:
        with pytest.raises(MalformedPayload):
            fen_from_yuan(value, "x")
    else:
        assert fen_from_yuan(value, "x") == fen


@pytest.mark.parametrize("value,reason", [("12.345", "sub_fen"), (0.001, "sub_fen"), ("abc", "malformed"),
                                          (True, "malformed"), (None, "malformed"), (float("nan"), "malformed"),
                                          (float("inf"), "malformed"), ("", "malformed")])
def test_bad_yuan_values_are_rejected(value, reason):
    with pytest.raises(MalformedPayload) as caught:
        fen_from_yuan(value, "x")
    assert caught.value.reason == reason


@pytest.mark.parametrize("value", ["1.0", "--1", "1e3", " 12", "１２", 1.0, False, None, "0x10", "99999999999999999"])
def test_integer_rejects_what_is_not_a_whole_number(value):
    with pytest.raises(MalformedPayload):
        integer(value, "x")


def test_integer_accepts_ints_and_digit_strings():
    assert integer(12, "x") == 12 and integer("12", "x") == 12 and integer("-3", "x", signed=True) == -3
    with pytest.raises(MalformedPayload):
        integer(-1, "x")


def test_timestamps():
    expected = datetime(2021, 10, 23, 10, 5, tzinfo=SHANGHAI)
    assert from_unix_seconds(1634954700, "t") == expected
    assert from_unix_seconds("1634954700", "t") == expected
    assert from_unix_millis(1634954700000, "t") == expected
    assert from_beijing_text("2021-10-23 10:05:00", "t") == expected
    for bad in ("2021-10-23T10:05:00", "2021-10-23 25:00:00", "2021-10-23 10:05", 1634954700):
        with pytest.raises(MalformedPayload):
            from_beijing_text(bad, "t")


def test_categories_map_names_and_fold_unknown_ones_into_other():
    assert categories(["农产品", "手工艺品", "农产品", " "]) == ("agri", "other")
    with pytest.raises(MalformedPayload):
        categories("农产品")


def test_yuan_float_is_the_nearest_double():
    assert yuan_float(29) == 0.29 and Decimal(str(yuan_float(123456789))) == Decimal("1234567.89")
