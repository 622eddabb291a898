"""Polling Taobao Live (schemas/platforms/taobao.md): one REST router URL with `method=`,
the session key in the query, page_no/page_size pages with figures inline, and the
per-day closing figures (`taobao.live.stats.daily`) to carry counters across midnight."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from services.ingest.adapters import taobao
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
from services.ingest.adapters.common import Carry, from_beijing_text, integer, need

PAGE = 5
EXPIRED = {26, 27}


class TaobaoApi(BaseApi):
    platform = "taobao"
    per_day = True

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["session"] = token

    def unwrap(self, body: Any) -> Any:
        if not isinstance(body, Mapping):
            raise MalformedPayload("answer is not an object")
        if "error_response" in body:
            error = body["error_response"]
            if isinstance(error, Mapping) and error.get("code") in EXPIRED:
                raise TokenExpired(str(error.get("msg")))
            raise ApiError(f"error_response {error}")
        return body

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        rooms = need(need(need(payload, "live_rooms_stats_response"), "rooms"), "room")
        if not isinstance(rooms, list):
            raise MalformedPayload("rooms.room is not a list")
        return rooms

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        import time

        body = await call("POST", "/oauth/token", params={"app_key": client_id, "app_secret": secret}, auth=False)
        if "access_token" not in body:
            raise AuthRejected(f"taobao: {body}")
        expires_ms = integer(need(body, "expire_time"), "expire_time")
        return body["access_token"], expires_ms / 1000 - time.time()

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        page_no = 1
        while True:
            params = {"method": "taobao.live.rooms.stats", "page_no": page_no, "page_size": PAGE}
            payload = await call("GET", "/router/rest", params=params)
            rows = self.rows(payload)
            found += [parse_listing(lambda r=r: _listing(r)) for r in rows]
            total = integer(need(payload["live_rooms_stats_response"], "total_results"), "total_results")
            if page_no * PAGE >= total or not rows:
                return found
            page_no += 1

    def days(self, row: Mapping[str, Any]) -> tuple[date, date]:
        start = from_beijing_text(need(row, "start_time"), "start_time").date()
        return start, date.fromisoformat(str(need(row, "stat_date")))

    async def closed_day(self, call: Caller, row: Mapping[str, Any], day: date) -> Carry:
        params = {"method": "taobao.live.stats.daily", "live_id": need(row, "live_id"), "stat_date": day.isoformat()}
        payload = await call("GET", "/router/rest", params=params)
        return taobao.daily(need(payload, "live_stats_daily_response"))


def _listing(row: Mapping[str, Any]) -> Listing:
    live = taobao.LAYOUT.on_air(row)
    return Listing(str(need(row, "room_id")), live, str(row.get("live_id") or ""), row)


API = TaobaoApi()
