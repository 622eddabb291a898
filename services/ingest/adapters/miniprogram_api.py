"""Polling mini-program live rooms' status (schemas/platforms/miniprogram.md): WeChat
access token, `getliveinfo` POSTed with start/limit until `total` rooms were read.
Status only: the poller counts configured rooms on air and publishes no snapshot."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.ingest.adapters import miniprogram, wechat
from services.ingest.adapters.api import BaseApi, Caller, Listing, MalformedPayload, parse_listing

PAGE = 100  # the documentation advises at most 100 rooms a call
INFO = "/wxa/business/getliveinfo"
PERMISSION = "mini-program live (小程序直播) to this app"


class MiniprogramApi(BaseApi):
    platform = "miniprogram"
    documented = True
    publishes = False
    tokens = "wechat_stable"
    # 500 calls a day for getliveinfo and getreplay together (WeChat's answer in its developer
    # community, 000ea8ddeb4e08f3533a467b85bc00); getApiQuota's number replaces it once read.
    quota = wechat.daily_quota(500, "getliveinfo + getreplay, shared")

    def calls_per_cycle(self, rooms: int) -> dict[str, int]:
        return {INFO: max(1, -(-rooms // PAGE))}

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["access_token"] = token

    async def read_quota(self, call: Caller, paths: list[str]) -> dict[str, tuple[int, int]]:
        return await wechat.read_quota(call, paths)

    def unwrap(self, body: Any) -> Any:
        if isinstance(body, Mapping) and body.get("errcode") == miniprogram.EMPTY:
            return body  # no room created yet: an empty list, not an error
        return wechat.unwrap(body, PERMISSION)

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        return miniprogram.page(payload)[0]

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        start = 0
        while True:
            items, total = miniprogram.page(await call("POST", INFO, json={"start": start, "limit": PAGE}))
            found += [parse_listing(lambda i=i: _listing(i)) for i in items]
            start += len(items)
            if start >= total or not items:
                return found


def _listing(item: Any) -> Listing:
    room = miniprogram.room(item)
    return Listing(room.room_id, room.on_air, "", item)


API = MiniprogramApi()
