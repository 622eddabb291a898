"""Polling Douyin's back office (schemas/platforms/douyin.md): OAuth client token,
cursor-paged room list, one `room_data` call per room, hashtag topic statistics."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.topic_stats import FESTIVAL_HASHTAG, TopicStats
from services.ingest.adapters import douyin
from services.ingest.adapters.api import (
    ApiError,
    AuthRejected,
    BaseApi,
    Caller,
    Listing,
    MalformedPayload,
    TokenExpired,
    parse_listing,
)
from services.ingest.adapters.common import integer, need

EXPIRED = {2190008, 2190002}
PAGE = 10


class DouyinApi(BaseApi):
    platform = "douyin"

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        headers["access-token"] = token

    def unwrap(self, body: Any) -> Any:
        code = need(body, "err_no")
        if code in EXPIRED:
            raise TokenExpired(str(body.get("err_msg")))
        if code != 0:
            raise ApiError(f"err_no {code}: {body.get('err_msg')}")
        return need(body, "data")

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        return [payload]

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        body = {"client_key": client_id, "client_secret": secret, "grant_type": "client_credential"}
        data = await call("POST", "/oauth/client_token/", json=body, auth=False, unwrap=lambda b: need(b, "data"))
        if data.get("error_code"):
            raise AuthRejected(f"douyin: {data.get('description')}")
        return need(data, "access_token"), float(integer(need(data, "expires_in"), "expires_in"))

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        cursor: Any = 0
        while True:
            data = await call("GET", "/api/live/rooms", params={"cursor": cursor, "count": PAGE})
            rooms = need(data, "rooms")
            if not isinstance(rooms, list):
                raise MalformedPayload("rooms is not a list")
            found += [parse_listing(lambda r=r: _listing(r)) for r in rooms]
            if not need(data, "has_more"):
                return found
            cursor = need(data, "cursor")

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        return await call("GET", "/api/live/room_data", params={"room_id": listing.room_id})

    async def topic_stats(self, call: Caller) -> list[TopicStats]:
        return douyin.topic_stats(await call("GET", "/api/topic/stats", params={"hashtag": FESTIVAL_HASHTAG}))


def _listing(row: Mapping[str, Any]) -> Listing:
    live = douyin.LAYOUT.on_air(row)
    return Listing(str(need(row, "room_id")), live, str(row.get("live_id") or ""))


API = DouyinApi()
