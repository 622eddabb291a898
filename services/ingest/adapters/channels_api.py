"""Polling WeChat Channels (schemas/platforms/channels.md): WeChat access token in the
query, offset/limit live list, one `live/data` call per live, and `live/daily` for the
closing figures of earlier days (its counters restart at midnight)."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from services.ingest.adapters import channels
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
from services.ingest.adapters.common import Carry, from_unix_seconds, integer, need

PAGE = 5
EXPIRED = {40001, 42001}


def wechat_unwrap(body: Any) -> Any:
    """WeChat's envelope: `errcode` 0 (or absent) is success; 42001/40001 mean a stale token."""
    if not isinstance(body, Mapping):
        raise MalformedPayload("answer is not an object")
    code = body.get("errcode", 0)
    if code in EXPIRED:
        raise TokenExpired(str(body.get("errmsg")))
    if code != 0:
        raise ApiError(f"errcode {code}: {body.get('errmsg')}")
    return body


async def wechat_token(call: Caller, client_id: str, secret: str) -> tuple[str, float]:
    params = {"grant_type": "client_credential", "appid": client_id, "secret": secret}
    body = await call("GET", "/cgi-bin/token", params=params, auth=False, unwrap=lambda b: b)
    if "access_token" not in body:
        raise AuthRejected(f"wechat: {body}")
    return body["access_token"], float(integer(need(body, "expires_in"), "expires_in"))


class ChannelsApi(BaseApi):
    platform = "channels"
    per_day = True

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        params["access_token"] = token

    def unwrap(self, body: Any) -> Any:
        return wechat_unwrap(body)

    def rows(self, payload: Any) -> list[Mapping[str, Any]]:
        return [need(payload, "data")]

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        return await wechat_token(call, client_id, secret)

    async def listings(self, call: Caller) -> list[Listing | MalformedPayload]:
        found: list[Listing | MalformedPayload] = []
        offset = 0
        while True:
            body = await call("GET", "/live/list", params={"offset": offset, "limit": PAGE})
            rows = need(body, "live_list")
            if not isinstance(rows, list):
                raise MalformedPayload("live_list is not a list")
            found += [parse_listing(lambda r=r: _listing(r)) for r in rows]
            offset += len(rows)
            if offset >= integer(need(body, "total"), "total") or not rows:
                return found

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        return self.rows(await call("GET", "/live/data", params={"live_id": listing.live_id}))[0]

    def days(self, row: Mapping[str, Any]) -> tuple[date, date]:
        start = from_unix_seconds(need(row, "start_time"), "start_time").date()
        try:
            today = datetime.strptime(str(need(row, "ref_date")), "%Y%m%d").date()
        except ValueError:
            raise MalformedPayload(f"ref_date {row['ref_date']!r} is not YYYYMMDD") from None
        return start, today

    async def closed_day(self, call: Caller, row: Mapping[str, Any], day: date) -> Carry:
        params = {"live_id": need(row, "live_id"), "ref_date": day.strftime("%Y%m%d")}
        return channels.daily(need(await call("GET", "/live/daily", params=params), "data"))


def _listing(row: Mapping[str, Any]) -> Listing:
    live = channels.LAYOUT.on_air(row)
    return Listing(str(need(row, "export_id")), live, str(row.get("live_id") or ""))


API = ChannelsApi()
