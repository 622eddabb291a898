"""Polling WeChat Channels' documented live dashboard (schemas/platforms/channels.md).

Each room is a Channels account (视频号助手) with its own app credentials; every live the
account lists is one of that room's sessions. A cycle lists the lives created on the
platform's current day and the day before (a broadcast runs across midnight) with
`getlivelist`, then reads each one not yet read ended with `getlivedata`. The first cycle
after a start lists the last CATCH_UP_DAYS days: a broadcast that began and ended while no
adapter ran (a restart, an outage over a day) still gets its final figures read.

`getlivelist` takes only the day (`ds`, a number YYYYMMDD): it has no cursor, so an answer
with `has_more` true cannot be continued; that is reported as a failed record
(`list_truncated`) rather than silently ignored. The day is the platform's: when the first
answer's `Date` shows our estimate of it was wrong (just after midnight, after a pause),
the lists are asked again for the right days.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from kernel.timeutil import SHANGHAI
from services.ingest.adapters import wechat
from services.ingest.adapters.api import BaseApi, Caller, Dated, Listing, MalformedPayload, parse_listing
from services.ingest.adapters.common import need, platform_day

LIST = "/channels/livedashboard/getlivelist"
DATA = "/channels/livedashboard/getlivedata"
# What a Channels account must grant before the dashboard answers (else errcode 48001).
PERMISSION = (
    "the live dashboard data API (直播大屏数据): in 视频号助手, 开放能力 -> 开放场景, switch it on "
    "(a third-party platform needs permission set 176); polling resumes by itself once it is granted"
)


CATCH_UP_DAYS = 7


class ChannelsApi(BaseApi):
    platform = "channels"
    documented = True
    room_is_account = True
    tokens = "wechat_stable"
    # No number is published for the live dashboard: each account's daily quota per API is
    # what getApiQuota answers (read at the start of every quota day).
    quota = wechat.daily_quota(None, "read from getApiQuota")

    def __init__(self) -> None:
        self.caught_up = False  # whether a cycle since the start listed the last CATCH_UP_DAYS days

    def for_account(self) -> "ChannelsApi":
        return ChannelsApi()

    def calls_per_cycle(self, rooms: int) -> dict[str, int]:
        # Two days of lives listed, and the account's live (one at a time) read (the catch-up
        # after a start is once, not per cycle).
        return {LIST: 2, DATA: 1}

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["access_token"] = token

    async def read_quota(self, call: Caller, paths: list[str]) -> dict[str, tuple[int, int]]:
        return await wechat.read_quota(call, paths)

    def unwrap(self, body: Any) -> Any:
        return wechat.unwrap(body, PERMISSION)

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        return [payload]

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        today = now.astimezone(SHANGHAI).date()
        back = 1 if self.caught_up else CATCH_UP_DAYS
        found, answered = await self._days(call, today, back)
        if answered is not None and answered != today:  # our estimate of the platform's day was off
            found, _ = await self._days(call, answered, back)
        self.caught_up = True
        return list(found.values())

    async def _days(self, call: Caller, today: date,
                    back: int) -> tuple[dict[str, Listing | MalformedPayload], date | None]:
        """The lives of `today` and the `back` days before, and the platform's day by the first answer."""
        found: dict[str, Listing | MalformedPayload] = {}
        answered: date | None = None
        for day in (today - timedelta(days=n) for n in range(back, -1, -1)):
            ds = int(day.strftime("%Y%m%d"))
            answer: Dated = await call("POST", LIST, json={"ds": ds}, dated=True)
            answered = answered or platform_day(answer.date)
            for item in _items(answer.payload):
                listing = parse_listing(lambda i=item: _listing(i))
                found[listing.live_id if isinstance(listing, Listing) else f"bad-{len(found)}"] = listing
            if answer.payload.get("has_more"):
                found[f"more-{ds}"] = MalformedPayload(
                    f"getlivelist ds={ds} answered has_more=true, and the API has no cursor to continue",
                    "list_truncated",
                )
        return found, answered

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        """The record `channels.normalize` reads: the answer, its Date header and the ids."""
        answer: Dated = await call("POST", DATA, json={"export_id": listing.live_id}, dated=True)
        return {"export_id": listing.live_id, "room_id": listing.room_id, "answered_at": answer.date,
                "answer": answer.payload}


def _items(body: Any) -> list[Any]:
    items = need(body, "live_items")
    if not isinstance(items, list):
        raise MalformedPayload("live_items is not a list")
    return items


def _listing(item: Any) -> Listing:
    export_id = need(item, "export_id")
    if not isinstance(export_id, str) or not export_id:
        raise MalformedPayload(f"export_id {export_id!r} is not an id")
    # The room is the account polled; the poller fills it in.
    return Listing(room_id="", live=True, live_id=export_id)


API = ChannelsApi()
