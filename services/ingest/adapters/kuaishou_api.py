"""Polling Kuaishou (schemas/platforms/kuaishou.md): access token in the query, opaque
`pcursor` pages until "no_more", figures inline; `result` 1 is success, 28 a stale token."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.ingest.adapters import kuaishou
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

EXPIRED = {28, 100200101}


class KuaishouApi(BaseApi):
    platform = "kuaishou"

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["access_token"] = token

    def unwrap(self, body: Any) -> Any:
        code = need(body, "result")
        if code in EXPIRED:
            raise TokenExpired(str(body.get("error_msg")))
        if code != 1:
            raise ApiError(f"result {code}: {body.get('error_msg')}")
        return need(body, "data")

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        rows = need(payload, "lives")
        if not isinstance(rows, list):
            raise MalformedPayload("lives is not a list")
        return rows

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        params = {"app_id": client_id, "app_secret": secret, "grant_type": "client_credentials"}
        body = await call("GET", "/oauth2/access_token", params=params, auth=False, unwrap=lambda b: b)
        if not isinstance(body, Mapping) or body.get("result") != 1:
            raise AuthRejected(f"kuaishou: {body}")
        return need(body, "access_token"), float(integer(need(body, "expires_in"), "expires_in"))

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        cursor = ""
        for _ in range(10_000):  # a cursor that never reaches "no_more" must not spin forever
            payload = await call("GET", "/openapi/live/stats", params={"pcursor": cursor})
            found += [parse_listing(lambda r=r: _listing(r)) for r in self.rows(payload)]
            cursor = str(need(payload, "pcursor"))
            if cursor == "no_more":
                break
        return found


def _listing(row: Mapping[str, Any]) -> Listing:
    live = kuaishou.LAYOUT.on_air(row)
    return Listing(str(need(row, "roomId")), live, str(row.get("liveStreamId") or ""), row)


API = KuaishouApi()
