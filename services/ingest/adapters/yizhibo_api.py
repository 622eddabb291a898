"""Polling Yizhibo (schemas/platforms/yizhibo.md): token in the query, page/per_page
list with figures inline; `result` 1 is success, 401 a stale token."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.ingest.adapters import yizhibo
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

PAGE = 5


class YizhiboApi(BaseApi):
    platform = "yizhibo"

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["token"] = token

    def unwrap(self, body: Any) -> Any:
        code = need(body, "result")
        if code == 401:
            raise TokenExpired(str(body.get("msg")))
        if code != 1:
            raise ApiError(f"result {code}: {body.get('msg')}")
        return need(body, "data")

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        rows = need(payload, "list")
        if not isinstance(rows, list):
            raise MalformedPayload("list is not a list")
        return rows

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        body = await call("GET", "/open/token", params={"appid": client_id, "appsecret": secret},
                          auth=False, unwrap=lambda b: b)
        if not isinstance(body, Mapping) or body.get("result") != 1:
            raise AuthRejected(f"yizhibo: {body}")
        data = need(body, "data")
        return need(data, "token"), float(integer(need(data, "expires"), "expires"))

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        number = 1
        while True:
            payload = await call("GET", "/open/live/list", params={"page": number, "per_page": PAGE})
            rows = self.rows(payload)
            found += [parse_listing(lambda r=r: _listing(r)) for r in rows]
            if number * PAGE >= integer(need(payload, "total"), "total") or not rows:
                return found
            number += 1


def _listing(row: Mapping[str, Any]) -> Listing:
    live = yizhibo.LAYOUT.on_air(row)
    return Listing(str(need(row, "memberid")), live, str(row.get("scid") or ""), row)


API = YizhiboApi()
