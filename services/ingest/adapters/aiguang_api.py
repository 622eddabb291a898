"""Polling Aiguang (schemas/platforms/aiguang.md): bearer token with an absolute expiry
in milliseconds, pageNum/pageSize stats list with figures inline."""

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.ingest.adapters import aiguang
from services.ingest.adapters.api import (
    ApiError,
    AuthRejected,
    BaseApi,
    Caller,
    Listing,
    MalformedPayload,
    parse_listing,
)
from services.ingest.adapters.common import integer, need

PAGE = 5


class AiguangApi(BaseApi):
    platform = "aiguang"

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        headers["Authorization"] = f"Bearer {token}"

    def unwrap(self, body: Any) -> Any:
        code = need(body, "code")
        if code != "OK":
            raise ApiError(f"code {code}: {body.get('message')}")
        return need(body, "result")

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        items = need(payload, "items")
        if not isinstance(items, list):
            raise MalformedPayload("items is not a list")
        return items

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        body = await call("POST", "/api/token", json={"appKey": client_id, "appSecret": secret},
                          auth=False, unwrap=lambda b: b)
        if not isinstance(body, Mapping) or body.get("code") != "OK":
            raise AuthRejected(f"aiguang: {body}")
        result = need(body, "result")
        return need(result, "accessToken"), integer(need(result, "expiresAt"), "expiresAt") / 1000 - time.time()

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        number = 1
        while True:
            payload = await call("GET", "/api/live/stats", params={"pageNum": number, "pageSize": PAGE})
            rows = self.rows(payload)
            found += [parse_listing(lambda r=r: _listing(r)) for r in rows]
            if number * PAGE >= integer(need(payload, "total"), "total") or not rows:
                return found
            number += 1


def _listing(row: Mapping[str, Any]) -> Listing:
    live = aiguang.LAYOUT.on_air(row)
    return Listing(str(need(row, "roomNo")), live, str(row.get("liveNo") or ""), row)


API = AiguangApi()
