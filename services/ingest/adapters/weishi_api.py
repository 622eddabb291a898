"""Polling Weishi (schemas/platforms/weishi.md): bearer token, offset/limit room list,
one stats call per live."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.ingest.adapters import weishi
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


class WeishiApi(BaseApi):
    platform = "weishi"

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        headers["Authorization"] = f"Bearer {token}"

    def unwrap(self, body: Any) -> Any:
        code = need(body, "ret")
        if code != 0:
            raise ApiError(f"ret {code}: {body.get('msg')}")
        return need(body, "data")

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        return [payload]

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        body = await call("POST", "/v1/auth/token", json={"app_id": client_id, "app_secret": secret},
                          auth=False, unwrap=lambda b: b)
        if body.get("ret") != 0:
            raise AuthRejected(f"weishi: {body}")
        data = need(body, "data")
        return need(data, "token"), float(integer(need(data, "expire_seconds"), "expire_seconds"))

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        offset = 0
        while True:
            data = await call("GET", "/v1/lives", params={"offset": offset, "limit": PAGE})
            rows = need(data, "list")
            if not isinstance(rows, list):
                raise MalformedPayload("list is not a list")
            found += [parse_listing(lambda r=r: _listing(r)) for r in rows]
            offset += len(rows)
            if offset >= integer(need(data, "total"), "total") or not rows:
                return found

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        return await call("GET", f"/v1/lives/{listing.live_id}/stats")


def _listing(row: Mapping[str, Any]) -> Listing:
    live = weishi.LAYOUT.on_air(row)
    return Listing(str(need(row, "roomId")), live, str(row.get("liveId") or ""))


API = WeishiApi()
