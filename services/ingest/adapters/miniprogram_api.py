"""Polling mini-program live rooms (schemas/platforms/miniprogram.md): WeChat access
token, `getliveinfo` POSTed with start/limit, figures inline."""

from collections.abc import Mapping
from typing import Any

from services.ingest.adapters import miniprogram
from services.ingest.adapters.api import BaseApi, Caller, Listing, MalformedPayload, parse_listing
from services.ingest.adapters.channels_api import wechat_token, wechat_unwrap
from services.ingest.adapters.common import integer, need

PAGE = 5


class MiniprogramApi(BaseApi):
    platform = "miniprogram"

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["access_token"] = token

    def unwrap(self, body: Any) -> Any:
        return wechat_unwrap(body)

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        rows = need(payload, "room_info")
        if not isinstance(rows, list):
            raise MalformedPayload("room_info is not a list")
        return rows

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        return await wechat_token(call, client_id, secret)

    async def listings(self, call: Caller) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        start = 0
        while True:
            payload = await call("POST", "/wxa/business/getliveinfo", json={"start": start, "limit": PAGE})
            rows = self.rows(payload)
            found += [parse_listing(lambda r=r: _listing(r)) for r in rows]
            start += len(rows)
            if start >= integer(need(payload, "total"), "total") or not rows:
                return found


def _listing(row: Mapping[str, Any]) -> Listing:
    live = miniprogram.LAYOUT.on_air(row)
    return Listing(str(need(row, "roomid")), live, str(row.get("live_id") or ""), row)


API = MiniprogramApi()
