"""Douyin through Qianchuan against the example answers in schemas/platforms/examples/qianchuan/
(shaped after the official SDK's models, oceanengine/ad_open_sdk_go), through the pure code and
the polling module, with literal expectations: rooms and their statuses, paging, product
counts, Ocean Engine's error codes, the OAuth answers, and yuan read exactly from the JSON
text (0.1 and 19.99 exact, 1e2 exact, 19.999 refused)."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kernel.timeutil import rfc3339
from services.ingest.adapters import qianchuan, qianchuan_oauth
from services.ingest.adapters.api import (
    ApiError,
    AuthRejected,
    Dated,
    Listing,
    PermissionDenied,
    RateLimited,
    TokenExpired,
)
from services.ingest.adapters.common import Attribution, MalformedPayload, decimal_json, fen_from_yuan
from services.ingest.adapters.qianchuan_api import QianchuanApi

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "platforms" / "examples" / "qianchuan"
ROOM = Attribution("lianshan", "launch")
ADVERTISER, AWEME = 1760000000000007, 3000000000000007
API = QianchuanApi(ADVERTISER, {AWEME: "douyin-main-lianshan-0007"})
DATE = "Sat, 23 Oct 2021 02:05:12 GMT"  # 10:05:12 in Beijing


def text(name: str) -> bytes:
    return (EXAMPLES / f"{name}.json").read_bytes()


def data(name: str) -> Any:
    """The answer's `data`, decoded as the adapter decodes it (numbers of yuan as Decimal)."""
    return API.unwrap(API.decode(text(name)))


def raw(item: Any, products: int = 35, date_header: str | None = DATE) -> dict[str, Any]:
    return {"item": item, "room_id": "douyin-main-lianshan-0007", "products": products, "answered_at": date_header}


def wire(item: Any, **kwargs: Any) -> dict[str, Any]:
    snapshot = qianchuan.normalize(raw(item, **kwargs), ROOM)
    assert snapshot is not None
    return {**snapshot.to_wire(), "observed_at": rfc3339(snapshot.observed_at)}


def test_a_live_and_an_ended_broadcast():
    items, pages = qianchuan.rooms_page(data("room_get_living"))
    assert pages == 1 and len(items) == 2
    live = wire(items[0])
    assert {k: v for k, v in live.items() if k not in ("polled_at",)} == {
        "schema": "livefest.snapshot.v1", "platform": "douyin", "session_id": "douyin:7022113385637021471",
        "room_id": "douyin-main-lianshan-0007", "county": "lianshan", "special": "launch",
        "observed_at": "2021-10-23T10:05:12.000+08:00", "status": "live",
        # Online viewers are not in these calls; 观看人次 as viewers; 整体成单数 as orders and units;
        # 整体成交金额 142842.54 yuan, gross of refunds; the product list's total_num.
        "viewers_online": 0, "viewers_total": 58210, "orders": 1031, "units_sold": 1031, "gmv_fen": 14284254,
        "products_listed": 35, "categories": [], "source": "adapter",
    }
    ended = wire(items[1], products=0)
    assert (ended["status"], ended["gmv_fen"], ended["orders"], ended["session_id"]) == (
        "ended", 10, 1, "douyin:7022100245718172447")


def test_a_broadcast_being_prepared_is_no_session_yet():
    items, _ = qianchuan.rooms_page(data("room_get_prepare"))
    assert qianchuan.normalize(raw(items[0]), ROOM) is None


def test_an_empty_day():
    assert qianchuan.rooms_page(data("room_get_empty")) == ([], 0)


def test_the_product_count_is_the_lists_total():
    assert qianchuan.product_count(data("product_list")) == 35


def test_yuan_arrive_as_json_numbers_and_are_read_from_their_text():
    # A binary float would not do: 19.99 yuan is 1998.9999999999998 fen as a double.
    assert json.loads("19.99") * 100 != 1999
    items, _ = qianchuan.rooms_page(data("room_get_page1_of_2"))
    assert items[0]["live_pay_order_gmv_alias"] == Decimal("19.99")
    assert wire(items[0])["gmv_fen"] == 1999
    items, _ = qianchuan.rooms_page(data("room_get_page2_of_2"))
    assert items[0]["live_pay_order_gmv_alias"] == Decimal("1E+2")  # written 1e2: exactly 100 yuan
    assert wire(items[0])["gmv_fen"] == 10000


@pytest.mark.parametrize("number,fen", [("0.1", 10), ("19.99", 1999), ("1e2", 10000), ("1E2", 10000),
                                        ("100", 10000), ("0", 0), ("2101890.5", 210189050), ("1.5e1", 1500),
                                        ("90071992547409.91", 9007199254740991)])
def test_awkward_amounts_are_exact(number: str, fen: int):
    assert fen_from_yuan(decimal_json(number), "gmv") == fen


@pytest.mark.parametrize("number,reason", [("19.999", "sub_fen"), ("1e-3", "sub_fen"), ("0.001", "sub_fen"),
                                           ("-0.01", "malformed"), ("1e999999999", "malformed"),
                                           ("true", "malformed")])
def test_amounts_that_are_refused(number: str, reason: str):
    with pytest.raises(MalformedPayload) as caught:
        fen_from_yuan(decimal_json(number), "gmv")
    assert caught.value.reason == reason


def test_a_sub_fen_amount_in_an_answer_is_refused_not_rounded():
    items, _ = qianchuan.rooms_page(data("room_get_sub_fen"))
    with pytest.raises(MalformedPayload) as caught:
        qianchuan.normalize(raw(items[0]), ROOM)
    assert caught.value.reason == "sub_fen"


@pytest.mark.parametrize("body", [b"NaN", b'{"code": 0, "data": Infinity}', b'{"code": 0', b"[" * 100_000])
def test_bodies_that_are_not_json_are_refused(body: bytes):
    with pytest.raises(MalformedPayload) as caught:
        API.decode(body)
    assert caught.value.reason == "not_json"


@pytest.mark.parametrize("name,error", [("token_expired", TokenExpired), ("too_frequent", RateLimited),
                                        ("developer_limit", RateLimited), ("refresh_token_used", AuthRejected),
                                        ("no_permission", PermissionDenied)])
def test_error_answers(name: str, error: type[Exception]):
    with pytest.raises(error):
        API.unwrap(API.decode(text(name)))


def test_an_unknown_code_is_an_api_error():
    with pytest.raises(ApiError):
        API.unwrap({"code": 41234, "message": "?", "data": {}})


def test_the_requests_are_the_sdks():
    # api_qianchuan_today_live_room_get_v10.go: advertiser_id, aweme_id, date_time, fields (JSON), page, page_size.
    assert qianchuan.rooms_query(ADVERTISER, AWEME, date(2021, 10, 23), 2) == {
        "advertiser_id": "1760000000000007", "aweme_id": "3000000000000007", "date_time": "2021-10-23",
        "fields": '["live_pay_order_gmv_alias","live_pay_order_count_alias","total_live_watch_cnt"]',
        "page": "2", "page_size": "100"}
    assert qianchuan.products_query(ADVERTISER, 7022113385637021471) == {
        "advertiser_id": "1760000000000007", "room_id": "7022113385637021471",
        "fields": '["live_pay_order_count_alias"]', "page": "1", "page_size": "1"}
    headers: dict[str, str] = {}
    API.authorize({}, headers, "t0k")
    assert headers == {"Access-Token": "t0k"}


def test_the_oauth_requests_and_answers():
    app = qianchuan_oauth.OceanApp("https://api.oceanengine.com", 1700000000000001, "s3cret")
    assert qianchuan_oauth.code_grant(app, "c0de") == {
        "app_id": 1700000000000001, "secret": "s3cret", "grant_type": "auth_code", "auth_code": "c0de"}
    assert qianchuan_oauth.refresh_grant(app, "r") == {
        "app_id": 1700000000000001, "secret": "s3cret", "grant_type": "refresh_token", "refresh_token": "r"}
    got = qianchuan_oauth.grant(data("access_token"), now=1000.0)
    assert got == qianchuan_oauth.Grant("15c213fe148dabb5c571484409a50e3597832be0",
                                        "ae2c8f78f880703a826b3774b5f54906c30468ac", 87399.0, 2592999.0,
                                        (1760000000000007,), 87399.0 - 600)
    assert qianchuan_oauth.Grant.from_json(got.to_json()) == got
    refreshed = qianchuan_oauth.grant(data("refresh_token"), now=0.0)
    assert (refreshed.refresh_token, refreshed.advertiser_ids) == ("7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b", ())


class Pages:
    """Room list answers by (day, page), as a `Caller`, dated `dated`."""

    def __init__(self, by_day_page: dict[tuple[str, int], str], dated: str = DATE) -> None:
        self.by_day_page, self.dated = by_day_page, dated
        self.asked: list[tuple[str, str]] = []

    async def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        assert (method, path, kwargs.get("dated")) == ("GET", qianchuan.ROOMS, True)
        query = kwargs["params"]
        self.asked.append((query["date_time"], query["page"]))
        name = self.by_day_page.get((query["date_time"], int(query["page"])), "room_get_empty")
        return Dated(data(name), self.dated)


async def test_listing_reads_every_page_of_the_last_week_then_of_today():
    pages = Pages({("2021-10-23", 1): "room_get_page1_of_2", ("2021-10-23", 2): "room_get_page2_of_2"})
    api = QianchuanApi(ADVERTISER, {AWEME: "douyin-main-lianshan-0007"})
    now = datetime(2021, 10, 23, 2, 5, tzinfo=UTC)  # 10:05 in Beijing
    found = await api.listings(pages, now)
    # The first cycle after a start catches up on the last seven days (broadcasts that ran without us).
    assert pages.asked == [(f"2021-10-{d}", "1") for d in range(16, 24)] + [("2021-10-23", "2")]
    assert [(x.room_id, x.live, x.live_id) for x in found if isinstance(x, Listing)] == [
        ("douyin-main-lianshan-0007", True, "7022113385637021471"),
        ("douyin-main-lianshan-0007", True, "7022100245718172447")]
    pages.asked.clear()
    assert len(await api.listings(pages, now)) == 2
    assert pages.asked == [("2021-10-23", "1"), ("2021-10-23", "2")]
    # In the first hour after midnight, yesterday too (a broadcast may have begun just before it).
    midnight = Pages({("2021-10-23", 1): "room_get_living"}, dated="Sat, 23 Oct 2021 16:30:00 GMT")  # 00:30
    found = await api.listings(midnight, datetime(2021, 10, 23, 16, 30, tzinfo=UTC))
    assert midnight.asked == [("2021-10-23", "1"), ("2021-10-24", "1")] and len(found) == 2


async def test_a_list_claiming_too_many_pages_is_reported_not_believed():
    async def endless(method: str, path: str, **kwargs: Any) -> Any:
        return Dated({"room_list": [], "page_info": {"page": 1, "page_size": 100, "total_num": 10**9,
                                                      "total_page": 10**7}}, DATE)

    api = QianchuanApi(ADVERTISER, {AWEME: "douyin-main-lianshan-0007"})
    api.caught_up = True
    found = await api.listings(endless, datetime(2021, 10, 23, 2, 5, tzinfo=UTC))
    assert [x.reason for x in found if isinstance(x, MalformedPayload)] == ["list_truncated"]


async def test_an_item_of_another_account_is_refused():
    item = dict(qianchuan.rooms_page(data("room_get_living"))[0][0], aweme_id=3000000000000099)

    async def other(method: str, path: str, **kwargs: Any) -> Any:
        return Dated({"room_list": [item], "page_info": {"page": 1, "page_size": 100, "total_num": 1,
                                                          "total_page": 1}}, DATE)

    api = QianchuanApi(ADVERTISER, {AWEME: "douyin-main-lianshan-0007"})
    api.caught_up = True
    found = await api.listings(other, datetime(2021, 10, 23, 2, 5, tzinfo=UTC))
    assert [type(x) for x in found] == [MalformedPayload]


class ByDay:
    """Room list answers by day, each dated `dates[day]` (the platform's clock)."""

    def __init__(self, answers: dict[str, str], dated: str = DATE) -> None:
        self.answers, self.dated = answers, dated
        self.asked: list[str] = []

    async def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        day = kwargs["params"]["date_time"]
        self.asked.append(day)
        return Dated(data(self.answers.get(day, "room_get_empty")), self.dated)


async def test_a_wrong_estimate_of_the_platforms_day_is_corrected_by_its_date():
    # We think it is 22 Oct 23:59 in Beijing; the platform's answer says 23 Oct 10:05: the
    # lists are asked again, for the right day and the one before it.
    answers = ByDay({"2021-10-23": "room_get_living"})
    api = QianchuanApi(ADVERTISER, {AWEME: "douyin-main-lianshan-0007"})
    api.caught_up = True  # past the first cycle's week
    found = await api.listings(answers, datetime(2021, 10, 22, 15, 59, tzinfo=UTC))
    assert answers.asked == ["2021-10-22", "2021-10-22", "2021-10-23"]
    assert len([x for x in found if isinstance(x, Listing)]) == 2


async def test_a_live_broadcast_is_followed_to_its_end_whatever_day_it_began():
    class Kept(dict[str, str]):
        def set(self, name: str, value: str) -> None:
            self[name] = value

    kept = Kept()
    api = QianchuanApi(ADVERTISER, {AWEME: "douyin-main-lianshan-0007"}, store=kept)
    api.caught_up = True  # past the first cycle's week
    await api.listings(ByDay({"2021-10-23": "room_get_living"}), datetime(2021, 10, 23, 2, 5, tzinfo=UTC))
    assert api.followed() == {"7022113385637021471": (AWEME, date(2021, 10, 23))}  # the live one, not the ended
    # Three days later (the adapter was down): the 23rd is listed as well, until the broadcast is seen ended.
    later = ByDay({}, dated="Tue, 26 Oct 2021 02:00:00 GMT")
    await api.listings(later, datetime(2021, 10, 26, 2, 0, tzinfo=UTC))
    assert later.asked == ["2021-10-26", "2021-10-23"]
    ended = dict(data("room_get_living"))
    ended["room_list"] = [dict(ended["room_list"][0], room_status="FINISH")]

    async def finished(method: str, path: str, **kwargs: Any) -> Any:
        day = kwargs["params"]["date_time"]
        return Dated(ended if day == "2021-10-23" else data("room_get_empty"), "Tue, 26 Oct 2021 02:00:30 GMT")

    found = await api.listings(finished, datetime(2021, 10, 26, 2, 0, tzinfo=UTC))
    assert [x.live_id for x in found if isinstance(x, Listing)] == ["7022113385637021471"]
    assert api.followed() == {} and json.loads(kept[api.followed_key]) == {}
    # And a start day older than a week is forgotten.
    kept.set(api.followed_key, json.dumps({"1": [AWEME, "2021-10-01"]}))
    stale = ByDay({}, dated="Tue, 26 Oct 2021 02:00:00 GMT")
    await api.listings(stale, datetime(2021, 10, 26, 2, 0, tzinfo=UTC))
    assert stale.asked == ["2021-10-26"] and api.followed() == {}
