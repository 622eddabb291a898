"""WeChat Channels against its documented live dashboard: the example answers kept in
schemas/platforms/examples/channels/ (transcribed from developers.weixin.qq.com and
WxJava's `weixin-java-channel` beans) through the pure code, with literal expectations.

Contract 1.1: `gmv_fen` is `total_gmv` (成交金额, gross) and `refund_fen` is
`refund_amount` (退款金额); `observed_at` is the dashboard's 更新时间 (`update_time`)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kernel.timeutil import rfc3339
from services.ingest.adapters import channels
from services.ingest.adapters.api import (
    Dated,
    Listing,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    TokenExpired,
)
from services.ingest.adapters.channels_api import API, ChannelsApi
from services.ingest.adapters.common import Attribution, MalformedPayload

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "platforms" / "examples" / "channels"
EXPORT_ID = "export/UzFfAgtgekIEAQAAAAAAb4MgnXjnuAAAAAstQy6ubaLX4KHWvLEZgBPEvaFsP3V6E_NJzNPgMJp5Mcqj0Ah"
SESSION = "channels:export:UzFfAgtgekIEAQAAAAAAb4MgnXjnuAAAAAstQy6ubaLX4KHWvLEZgBPEvaFsP3V6E_NJzNPgMJp5Mcqj0Ah"
ROOM = Attribution("yingde", "rural")
DATE = "Mon, 25 Oct 2021 16:00:03 GMT"  # 00:00:03 in Beijing, 13 s after the figures' update_time


def load(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def row(name: str, date: str | None = DATE) -> dict[str, Any]:
    """What the poller hands `normalize`: the unwrapped answer, its Date header and the ids."""
    return {"export_id": EXPORT_ID, "room_id": "channels-park-yingde-0015", "answered_at": date,
            "answer": API.unwrap(load(name))}


def wire(name: str, **kwargs: Any) -> dict[str, Any]:
    snapshot = channels.normalize(row(name, **kwargs), ROOM)
    assert snapshot is not None
    return {**snapshot.to_wire(), "observed_at": rfc3339(snapshot.observed_at)}


FIGURES = ("session_id", "room_id", "observed_at", "status", "viewers_online", "viewers_total", "orders",
           "units_sold", "gmv_fen", "refund_fen", "products_listed", "categories")


def test_live_answer_with_double_encoded_parts():
    assert isinstance(load("getlivedata_living")["live_ec_data_summary"], str)  # JSON inside JSON
    got = wire("getlivedata_living")
    assert {k: got[k] for k in FIGURES} == {
        "session_id": SESSION, "room_id": "channels-park-yingde-0015",
        # whole_live_conversion.update_time 1635177590, not the answer's Date (13 s later).
        "observed_at": "2021-10-25T23:59:50.000+08:00", "status": "live",
        # online_audience_count, cumulative_audience_count, total_pay_pv (orders and, lacking
        # an item count, units), total_gmv 2,101,890 fen (gross) and refund_amount 1,990 fen apart.
        "viewers_online": 640, "viewers_total": 5210, "orders": 130, "units_sold": 130, "gmv_fen": 2101890,
        "refund_fen": 1990, "products_listed": 35, "categories": [],
    }
    assert (got["platform"], got["county"], got["special"]) == ("channels", "yingde", "rural")


def test_parts_sent_as_objects_read_the_same():
    assert wire("getlivedata_objects") == wire("getlivedata_living")


def test_ended_answer():
    got = wire("getlivedata_ended", date="Tue, 26 Oct 2021 00:30:05 GMT")
    assert {k: got[k] for k in ("status", "observed_at", "viewers_online", "viewers_total", "orders", "gmv_fen",
                                "refund_fen")} == {
        "status": "ended", "observed_at": "2021-10-26T08:30:00.000+08:00", "viewers_online": 0,
        "viewers_total": 6002, "orders": 142, "gmv_fen": 2350000, "refund_fen": 9990}


def test_live_without_product_page():
    got = wire("getlivedata_no_products")
    assert (got["products_listed"], got["gmv_fen"], got["refund_fen"], got["orders"], got["viewers_online"]) == (
        0, 0, 0, 0, 18)


def test_without_update_time_the_date_header_is_observed_at():
    # Nothing converted yet: WeChat sends live_ec_conversion_metric as "", so no update_time.
    assert load("getlivedata_no_products")["live_ec_conversion_metric"] == ""
    assert wire("getlivedata_no_products")["observed_at"] == "2021-10-26T00:00:03.000+08:00"


def test_without_update_time_or_date_header_the_poll_time_is_observed_at():
    polled = datetime(2021, 10, 25, 15, 59, 51, 250000, tzinfo=UTC)
    snapshot = channels.normalize(row("getlivedata_no_products", date=None), ROOM, polled_at=polled)
    assert snapshot is not None and rfc3339(snapshot.observed_at) == "2021-10-25T23:59:51.250+08:00"


def test_the_recent_update_time_stands_in_for_a_missing_whole_live_one():
    answer = API.unwrap(load("getlivedata_objects"))
    answer["live_ec_conversion_metric"] = {"recent_10_min_conversion": {"update_time": 1635177600}}
    snapshot = channels.normalize({**row("getlivedata_objects"), "answer": answer}, ROOM)
    assert snapshot is not None and rfc3339(snapshot.observed_at) == "2021-10-26T00:00:00.000+08:00"


def test_refunds_are_published_as_the_platform_reports_them():
    # Refunds above the GMV cannot come from one live's own orders, but under contract 1.1
    # nothing is derived from the two: both figures are published as the platform gives them.
    got = wire("getlivedata_refunds_exceed")
    assert (got["gmv_fen"], got["refund_fen"], got["status"]) == (1000, 1500, "ended")
    without = API.unwrap(load("getlivedata_objects"))
    del without["live_ec_data_summary"]["refund_amount"]
    snapshot = channels.normalize({**row("getlivedata_objects"), "answer": without}, ROOM)
    assert snapshot is not None and snapshot.refund_fen is None and "refund_fen" not in snapshot.to_wire()


@pytest.mark.parametrize("name,reason", [("getlivedata_truncated_inner_json", "not_json")])
def test_unreadable_answers_are_rejected(name: str, reason: str):
    with pytest.raises(MalformedPayload) as caught:
        channels.normalize(row(name), ROOM)
    assert caught.value.reason == reason


def test_export_ids_become_contract_session_ids():
    assert channels.session_key(EXPORT_ID) == SESSION.removeprefix("channels:")
    odd = channels.session_key("export/abc+def=")  # characters a session id may not hold
    assert odd.startswith("h-") and len(odd) == 42
    assert channels.session_key("export/abc+def=") == odd != channels.session_key("export/abc+deg=")


@pytest.mark.parametrize("name,error", [("token_expired", TokenExpired), ("invalid_credential", TokenExpired),
                                        ("invalid_token", TokenExpired), ("quota_exhausted", QuotaExhausted),
                                        ("minute_limit", RateLimited)])
def test_error_answers(name: str, error: type[Exception]):
    with pytest.raises(error):
        API.unwrap(load(name))


def test_45009_is_the_days_quota_used_up_not_a_rate_limit():
    # 45009 lasts until the daily reset: not retried, the credential rests (services/ingest/budget.py);
    # 45011, the per-minute limit, is the one backed off from and retried.
    with pytest.raises(QuotaExhausted) as caught:
        API.unwrap(load("quota_exhausted"))
    assert caught.value.reason == "quota_exhausted" and not isinstance(caught.value, RateLimited)
    with pytest.raises(RateLimited) as limited:
        API.unwrap(load("minute_limit"))
    assert limited.value.reason == "rate_limited"


def test_missing_permission_says_which_and_where():
    with pytest.raises(PermissionDenied) as caught:
        API.unwrap(load("unauthorized"))
    assert caught.value.reason == "permission_denied"
    assert "48001" in str(caught.value) and "开放能力" in str(caught.value) and "176" in str(caught.value)


class Answers:
    """`getlivelist` answers by day, as a `Caller`, dated `dated` (the platform's clock)."""

    def __init__(self, by_ds: dict[int, Any], dated: str = "Mon, 25 Oct 2021 16:10:00 GMT") -> None:
        self.by_ds, self.dated = by_ds, dated
        self.asked: list[int] = []

    async def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        assert (method, path, kwargs.get("dated")) == ("POST", "/channels/livedashboard/getlivelist", True)
        self.asked.append(kwargs["json"]["ds"])
        return Dated(API.unwrap(self.by_ds.get(kwargs["json"]["ds"], load("getlivelist_empty"))), self.dated)


def polling() -> ChannelsApi:
    """The adapter of an account after its first cycle (the catch-up after a start done)."""
    api = API.for_account()
    api.caught_up = True
    return api


async def test_the_first_listing_after_a_start_catches_up_a_week_then_today_and_yesterday():
    api = API.for_account()
    at = datetime(2021, 10, 25, 16, 10, tzinfo=UTC)  # 00:10 on 26 Oct in Beijing
    first = Answers({20211025: load("getlivelist")})
    await api.listings(first, at)
    assert first.asked == [20211019, 20211020, 20211021, 20211022, 20211023, 20211024, 20211025, 20211026]
    then = Answers({20211025: load("getlivelist")})
    await api.listings(then, at)
    assert then.asked == [20211025, 20211026]


async def test_listing_asks_for_today_and_yesterday_by_the_platforms_day():
    answers = Answers({20211025: load("getlivelist")})
    # 00:10 on 26 Oct in Beijing (16:10 UTC on the 25th): yesterday's lives still run.
    found = await polling().listings(answers, datetime(2021, 10, 25, 16, 10, tzinfo=UTC))
    assert answers.asked == [20211025, 20211026]
    assert found == [Listing("", True, EXPORT_ID),
                     Listing("", True, "export/UzFfAgtgekIEAQAAAAAAc1ZQkTa0OQAAAAstQy6ubaLX4KHWvLEZgBPEvaFsP3V6E_"
                                       "NJzNPgMJp5Mcqj0Bx")]


async def test_a_list_that_has_more_is_reported_not_ignored():
    found = await polling().listings(Answers({20211025: load("getlivelist_has_more")}, "Mon, 25 Oct 2021 02:00:00 GMT"),
                               datetime(2021, 10, 25, 2, 0, tzinfo=UTC))
    assert [x.live_id for x in found if isinstance(x, Listing)] == [EXPORT_ID]
    assert [x.reason for x in found if isinstance(x, MalformedPayload)] == ["list_truncated"]


async def test_a_wrong_estimate_of_the_platforms_day_is_corrected_by_its_date():
    # We think it is 24 Oct 23:50 in Beijing; WeChat's answers say 26 Oct 00:10 (a long pause).
    answers = Answers({20211025: load("getlivelist")}, "Mon, 25 Oct 2021 16:10:00 GMT")
    found = await polling().listings(answers, datetime(2021, 10, 24, 15, 50, tzinfo=UTC))
    assert answers.asked == [20211023, 20211024, 20211025, 20211026]
    assert [x.live_id for x in found if isinstance(x, Listing)][0] == EXPORT_ID
