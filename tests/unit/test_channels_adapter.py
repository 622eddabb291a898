"""WeChat Channels against its documented live dashboard: the example answers kept in
schemas/platforms/examples/channels/ (transcribed from developers.weixin.qq.com and
WxJava's `weixin-java-channel` beans) through the pure code, with literal expectations."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kernel.timeutil import rfc3339
from services.ingest.adapters import channels
from services.ingest.adapters.api import Listing, PermissionDenied, QuotaExhausted, RateLimited, TokenExpired
from services.ingest.adapters.channels_api import API
from services.ingest.adapters.common import Attribution, MalformedPayload

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "platforms" / "examples" / "channels"
EXPORT_ID = "export/UzFfAgtgekIEAQAAAAAAb4MgnXjnuAAAAAstQy6ubaLX4KHWvLEZgBPEvaFsP3V6E_NJzNPgMJp5Mcqj0Ah"
SESSION = "channels:export:UzFfAgtgekIEAQAAAAAAb4MgnXjnuAAAAAstQy6ubaLX4KHWvLEZgBPEvaFsP3V6E_NJzNPgMJp5Mcqj0Ah"
ROOM = Attribution("yingde", "rural")
DATE = "Mon, 25 Oct 2021 15:59:50 GMT"  # 23:59:50 in Beijing


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
           "units_sold", "gmv_fen", "products_listed", "categories")


def test_live_answer_with_double_encoded_parts():
    assert isinstance(load("getlivedata_living")["live_ec_data_summary"], str)  # JSON inside JSON
    got = wire("getlivedata_living")
    assert {k: got[k] for k in FIGURES} == {
        "session_id": SESSION, "room_id": "channels-park-yingde-0015",
        "observed_at": "2021-10-25T23:59:50.000+08:00", "status": "live",
        # online_audience_count, cumulative_audience_count, total_pay_pv (orders and, lacking
        # an item count, units), total_gmv 2,101,890 fen minus refund_amount 1,990 fen.
        "viewers_online": 640, "viewers_total": 5210, "orders": 130, "units_sold": 130, "gmv_fen": 2099900,
        "products_listed": 35, "categories": [],
    }
    assert (got["platform"], got["county"], got["special"]) == ("channels", "yingde", "rural")


def test_parts_sent_as_objects_read_the_same():
    assert wire("getlivedata_objects") == wire("getlivedata_living")


def test_ended_answer():
    got = wire("getlivedata_ended", date="Tue, 26 Oct 2021 00:30:05 GMT")
    assert {k: got[k] for k in ("status", "observed_at", "viewers_online", "viewers_total", "orders", "gmv_fen")} == {
        "status": "ended", "observed_at": "2021-10-26T08:30:05.000+08:00", "viewers_online": 0,
        "viewers_total": 6002, "orders": 142, "gmv_fen": 2340010}


def test_live_without_product_page():
    got = wire("getlivedata_no_products")
    assert (got["products_listed"], got["gmv_fen"], got["orders"], got["viewers_online"]) == (0, 0, 0, 18)


def test_without_date_header_the_poll_time_is_observed_at():
    polled = datetime(2021, 10, 25, 15, 59, 51, 250000, tzinfo=UTC)
    snapshot = channels.normalize(row("getlivedata_living", date=None), ROOM, polled_at=polled)
    assert snapshot is not None and rfc3339(snapshot.observed_at) == "2021-10-25T23:59:51.250+08:00"


@pytest.mark.parametrize("name,reason", [("getlivedata_truncated_inner_json", "not_json"),
                                         ("getlivedata_refunds_exceed", "invalid_snapshot")])
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
                                        ("quota_exhausted", QuotaExhausted)])
def test_error_answers(name: str, error: type[Exception]):
    with pytest.raises(error):
        API.unwrap(load(name))


def test_quota_is_a_rate_limit_to_back_off_from():
    with pytest.raises(RateLimited) as caught:
        API.unwrap(load("quota_exhausted"))
    assert caught.value.reason == "quota_exhausted" and caught.value.retry_after is None


def test_missing_permission_says_which_and_where():
    with pytest.raises(PermissionDenied) as caught:
        API.unwrap(load("unauthorized"))
    assert caught.value.reason == "permission_denied"
    assert "48001" in str(caught.value) and "开放能力" in str(caught.value) and "176" in str(caught.value)


class Answers:
    """`getlivelist` answers by day, as a `Caller`."""

    def __init__(self, by_ds: dict[int, Any]) -> None:
        self.by_ds = by_ds
        self.asked: list[int] = []

    async def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        assert (method, path) == ("POST", "/channels/livedashboard/getlivelist")
        self.asked.append(kwargs["json"]["ds"])
        return API.unwrap(self.by_ds.get(kwargs["json"]["ds"], load("getlivelist_empty")))


async def test_listing_asks_for_today_and_yesterday_by_the_platforms_day():
    answers = Answers({20211025: load("getlivelist")})
    # 00:10 on 26 Oct in Beijing (16:10 UTC on the 25th): yesterday's lives still run.
    found = await API.listings(answers, datetime(2021, 10, 25, 16, 10, tzinfo=UTC))
    assert answers.asked == [20211025, 20211026]
    assert found == [Listing("", True, EXPORT_ID),
                     Listing("", True, "export/UzFfAgtgekIEAQAAAAAAc1ZQkTa0OQAAAAstQy6ubaLX4KHWvLEZgBPEvaFsP3V6E_"
                                       "NJzNPgMJp5Mcqj0Bx")]


async def test_a_list_that_has_more_is_reported_not_ignored():
    found = await API.listings(Answers({20211025: load("getlivelist_has_more")}),
                               datetime(2021, 10, 25, 2, 0, tzinfo=UTC))
    assert [x.live_id for x in found if isinstance(x, Listing)] == [EXPORT_ID]
    assert [x.reason for x in found if isinstance(x, MalformedPayload)] == ["list_truncated"]
