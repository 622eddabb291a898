"""What WeChat's server APIs (Channels 视频号助手, mini-program live) share: the `errcode`
envelope, answered in an HTTP 200 even for errors; the stable access token
(`POST /cgi-bin/stable_token`); and the per-API daily call quota (getApiQuota,
clear_quota).

Codes (developers.weixin.qq.com, 全局返回码; the token ones as WxJava's
`WxConsts.ACCESS_TOKEN_ERROR_CODES` lists them): 0 or absent = success; 40001 (invalid
credential), 40014 (invalid access_token) and 42001 (access_token expired) = get the
token again; 45009 = the API's **daily** quota is used up (it stays so until the daily
reset, midnight Beijing time, or until the account clears it); 45011 = the API's
per-minute frequency limit (back off, retry); 48001 = the API is not authorised for this
account; -1 = system busy (retry).
"""

from collections.abc import Mapping
from typing import Any

from services.ingest.adapters.api import (
    ApiError,
    AuthRejected,
    Caller,
    MalformedPayload,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    ServerError,
    TokenExpired,
)
from services.ingest.adapters.common import integer, need
from services.ingest.quota import Quota

EXPIRED = {40001, 40014, 42001}
QUOTA = 45009
MINUTE_LIMIT = 45011
UNAUTHORIZED = 48001
BUSY = -1
STABLE_TOKEN = "/cgi-bin/stable_token"
QUOTA_GET = "/cgi-bin/openapi/quota/get"
CLEAR_QUOTA = "/cgi-bin/clear_quota"
QUOTA_REFERENCE = ("WeChat 接口调用频次限制: each API has a daily quota per account, shown by getApiQuota "
                   "(POST /cgi-bin/openapi/quota/get) and cleared by clear_quota (10 times a month)")


def daily_quota(per_day: int | None, note: str = "") -> Quota:
    """A WeChat API quota: per API, per account, per day; the platform tells the number."""
    return Quota(per_day, "per_api", QUOTA_REFERENCE, note=note)


def unwrap(body: Any, permission: str = "") -> Any:
    """The answer itself when `errcode` is 0 (or absent), else the matching error.

    `permission` names what the account must grant when WeChat answers 48001."""
    if not isinstance(body, Mapping):
        raise MalformedPayload("answer is not an object")
    code = body.get("errcode", 0)
    message = f"errcode {code}: {body.get('errmsg')}"
    if code in EXPIRED:
        raise TokenExpired(message)
    if code == QUOTA:
        raise QuotaExhausted(f"{message} (the API's daily quota is used up)")
    if code == MINUTE_LIMIT:
        raise RateLimited(None)
    if code == UNAUTHORIZED:
        raise PermissionDenied(f"{message}: this account has not granted {permission or 'the API'}")
    if code == BUSY:
        raise ServerError(message)
    if code != 0:
        raise ApiError(message)
    return body


async def stable_token(call: Caller, appid: str, secret: str, *, force: bool) -> tuple[str, float]:
    """`POST /cgi-bin/stable_token` (JSON) -> (token, seconds it stays valid).

    Normal mode (`force_refresh` false) answers the appid's current token while it is
    valid (renewed by WeChat 5 minutes before it expires); forced mode invalidates it and
    answers a new one."""
    payload = {"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force}
    body = await call("POST", STABLE_TOKEN, json=payload, auth=False, unwrap=_token_answer)
    return str(need(body, "access_token")), float(integer(need(body, "expires_in"), "expires_in"))


def _token_answer(body: Any) -> Any:
    if isinstance(body, Mapping) and body.get("errcode", 0) in (QUOTA, MINUTE_LIMIT, BUSY):
        return unwrap(body)  # the token call's own limits: retried or rested like any call
    if not isinstance(body, Mapping) or "access_token" not in body:
        # Not a token: a wrong appid or secret (40013, 40125), or an IP not on the allow-list (40164).
        raise AuthRejected(f"wechat stable_token refused: {body}")
    return body


async def api_quota(call: Caller, path: str) -> tuple[int, int]:
    """getApiQuota: (daily_limit, used) of one API today, as the platform counts them."""
    body = await call("POST", QUOTA_GET, json={"cgi_path": path})
    quota = need(body, "quota")
    return integer(need(quota, "daily_limit"), "daily_limit"), integer(need(quota, "used"), "used")


async def read_quota(call: Caller, paths: list[str]) -> dict[str, tuple[int, int]]:
    """getApiQuota of each API path: {path: (daily_limit, used)}."""
    return {path: await api_quota(call, path) for path in paths}


async def clear_quota(call: Caller, appid: str) -> None:
    """clear_quota: reset every API's count of the account to zero (WeChat allows it 10 times a month)."""
    await call("POST", CLEAR_QUOTA, json={"appid": appid})
