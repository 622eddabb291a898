"""The adapters' shared reading at its edges: what is refused and what the refusal says (the
poller logs it; a message that names no field helps nobody), ids that are no identifiers,
multi-day carries, and a layout read in full. Expected values are written out by hand."""

from datetime import datetime
from decimal import Decimal

import pytest

from kernel.timeutil import SHANGHAI
from services.ingest.adapters import taobao
from services.ingest.adapters.common import (
    Attribution,
    Carry,
    MalformedPayload,
    build,
    categories,
    fen_from_yuan,
    from_beijing_text,
    from_unix_millis,
    from_unix_seconds,
    integer,
    need,
    session_id,
    split_names,
    status_from,
)
from services.ingest.adapters.douyin import LAYOUT as DOUYIN
from services.ingest.adapters.layout import daily_with, normalize_with

ROOM = Attribution("yingde", "rural")
T = datetime(2021, 10, 23, 10, 5, tzinfo=SHANGHAI)


def refusal(call, *args, **kwargs) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedPayload) as caught:
        call(*args, **kwargs)
    return str(caught.value), caught.value.reason


@pytest.mark.parametrize(("call", "args", "message", "reason"), [
    (need, ([1, 2], "live_id"), "expected an object, got list", "malformed"),
    (need, ("text", "live_id"), "expected an object, got str", "malformed"),
    (need, ({"live_id": None}, "live_id"), "missing field 'live_id'", "malformed"),
    (need, ({}, "uv"), "missing field 'uv'", "malformed"),
    (integer, (True, "orders"), "orders: boolean True is not a number", "malformed"),
    (integer, ("1.0", "orders"), "orders: '1.0' is not an integer", "malformed"),
    (integer, (-2, "orders"), "orders: -2 is negative", "malformed"),
    (fen_from_yuan, ([1], "gmv"), "gmv: [1] is not an amount of yuan", "malformed"),
    (fen_from_yuan, ([Decimal("1.50")], "gmv"), "gmv: [Decimal('1.50')] is not an amount of yuan", "malformed"),
    (fen_from_yuan, (Decimal("1.505"), "gmv"), "gmv: Decimal('1.505') yuan has a fraction of a fen", "sub_fen"),
    (fen_from_yuan, ("abc", "gmv"), "gmv: 'abc' is not an amount of yuan", "malformed"),
    (fen_from_yuan, ("Infinity", "gmv"), "gmv: 'Infinity' is not a finite amount", "malformed"),
    (fen_from_yuan, ("0.005", "gmv"), "gmv: '0.005' yuan has a fraction of a fen", "sub_fen"),
    (fen_from_yuan, ("-1.00", "gmv"), "gmv: -100 is negative", "malformed"),
    (from_unix_seconds, ("x", "stat_time"), "stat_time: 'x' is not an integer", "malformed"),
    (from_unix_millis, (1.5, "ts"), "ts: 1.5 is not an integer", "malformed"),
    (from_beijing_text, ("2021-10-23 1:05:00", "data_time"),
     "data_time: '2021-10-23 1:05:00' is not 'YYYY-MM-DD HH:MM:SS'", "malformed"),
    (from_beijing_text, ("2021-10-23 10:05:0x", "data_time"),
     "data_time: '2021-10-23 10:05:0x' is not 'YYYY-MM-DD HH:MM:SS'", "malformed"),
    (categories, ("农产品",), "categories: '农产品' is not a list of names", "malformed"),
    (categories, (["农产品", 3], "cats"), "cats: ['农产品', 3] is not a list of names", "malformed"),
    (split_names, (["农产品"], ","), "categories: ['农产品'] is not a string", "malformed"),
    (split_names, (7, ",", "item_cats"), "item_cats: 7 is not a string", "malformed"),
    (status_from, ("9", {"1": "live"}), "status: unknown status '9'", "unknown_status"),
    (status_from, (True, {1: "live"}, "room_status"), "room_status: unknown status True", "unknown_status"),
    (session_id, ("douyin", 1.5), "live id 1.5 is not an identifier", "malformed"),
    (session_id, ("douyin", None), "live id None is not an identifier", "malformed"),
    (session_id, ("douyin", False), "live id False is not an identifier", "malformed"),
])
def test_what_is_refused_and_what_the_refusal_says(call, args, message: str, reason: str):
    assert refusal(call, *args) == (message, reason)


def test_ids_and_timestamps_that_are_read():
    assert session_id("douyin", 12) == "douyin:12" and session_id("douyin", "a-1") == "douyin:a-1"
    assert from_unix_millis(1_634_954_700_000, "t") == T
    assert from_unix_millis(1_634_954_700_000, "t").utcoffset().total_seconds() == 8 * 3600
    assert split_names("农产品, 美妆,", ",") == ("agri", "beauty")


def test_a_build_that_is_no_valid_snapshot_names_every_problem():
    kw = dict(platform="douyin", live_id=7, room_id="r 1", room=ROOM, observed_at=T, status="on",
              viewers_online=1, viewers_total=2, orders=3, units_sold=4, gmv_fen=5, products_listed=6,
              category_codes=["agri", "toys"])
    message, reason = refusal(build, **kw)
    assert reason == "invalid_snapshot"
    assert message.startswith(
        "not a valid snapshot: room_id: String should match pattern '^[A-Za-z0-9:_.\\-]+$'; "
        "status: Input should be 'live' or 'ended'; categories.1: Input should be "
    ), message


def test_carries_of_three_closed_days_add_up():
    """A Taobao session over four statistics days: three closed days (one with a refund that
    makes its figures negative), then today's. Every counter is the sum of all four."""
    days = [
        {"uv": "100", "pay_order_num": "10", "pay_item_num": "12", "pay_amount": "1000.00"},
        {"uv": "50", "pay_order_num": "-2", "pay_item_num": "-3", "pay_amount": "-120.50"},
        {"uv": "7", "pay_order_num": "1", "pay_item_num": "1", "pay_amount": "9.99"},
    ]
    carry = Carry()
    for day in days:
        carry = carry.plus(taobao.daily(day))
    assert carry == Carry(viewers_total=157, orders=9, units_sold=10, gmv_fen=88_949)
    today = {"live_status": "1", "live_id": "9", "room_id": "88", "data_time": "2021-10-26 10:05:00",
             "online_num": "5", "uv": "3", "pay_order_num": "2", "pay_item_num": "4", "pay_amount": "0.01",
             "item_count": "6", "categories": "农产品"}
    snap = taobao.normalize(today, ROOM, carry)
    assert snap is not None
    assert (snap.viewers_total, snap.orders, snap.units_sold, snap.gmv_fen) == (160, 11, 14, 88_950)
    assert Carry(1, 2, 3, 4).plus(Carry(10, 20, 30, 40)) == Carry(11, 22, 33, 44)


def test_a_layout_read_in_full():
    raw = {"room_status": 4, "live_id": 77, "room_id": 5, "stat_time": 1_634_954_700, "online_user_cnt": 3,
           "total_watch_ucnt": 40, "pay_order_cnt": 4, "pay_item_cnt": 6, "pay_amount": 1234, "product_cnt": 9,
           "product_categories": ["农产品", "美妆"]}
    polled = datetime(2021, 10, 23, 10, 5, 2, tzinfo=SHANGHAI)
    snap = normalize_with(DOUYIN, raw, ROOM, Carry(1, 1, 1, 1), polled)
    assert snap is not None
    assert snap.to_wire() == {
        "schema": "livefest.snapshot.v1", "platform": "douyin", "session_id": "douyin:77", "room_id": "5",
        "county": "yingde", "special": "rural", "observed_at": "2021-10-23T10:05:00+08:00", "status": "ended",
        "viewers_online": 3, "viewers_total": 41, "orders": 5, "units_sold": 7, "gmv_fen": 1235,
        "products_listed": 9, "categories": ["agri", "beauty"], "polled_at": "2021-10-23T10:05:02+08:00",
        "source": "adapter",
    }
    assert daily_with(DOUYIN, raw) == Carry(40, 4, 6, 1234)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("stat_time", "soon", "stat_time: 'soon' is not an integer"),
    ("online_user_cnt", -1, "online_user_cnt: -1 is negative"),
    ("product_cnt", "many", "product_cnt: 'many' is not an integer"),
])
def test_a_layout_names_the_field_it_could_not_read(field: str, value: object, message: str):
    raw = {"room_status": 4, "live_id": 77, "room_id": 5, "stat_time": 1_634_954_700, "online_user_cnt": 3,
           "total_watch_ucnt": 40, "pay_order_cnt": 4, "pay_item_cnt": 6, "pay_amount": 1234, "product_cnt": 9,
           "product_categories": []}
    assert refusal(normalize_with, DOUYIN, {**raw, field: value}, ROOM)[0] == message
