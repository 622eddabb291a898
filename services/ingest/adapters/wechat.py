"""What WeChat's server APIs (Channels 视频号助手, mini-program live) share: the `errcode`
envelope, answered in an HTTP 200 even for errors, and the `/cgi-bin/token` access token.

Codes (developers.weixin.qq.com, 全局返回码): 0 or absent = success; 40001 (invalid
credential) and 42001 (access_token expired) = fetch a new token; 45009 = the API's
daily quota is used up (back off, never give up); 48001 = the API is not authorised for
this account; -1 = system busy (retry).
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
    ServerError,
    TokenExpired,
)
from services.ingest.adapters.common import integer, need

EXPIRED = {40001, 42001}
QUOTA = 45009
UNAUTHORIZED = 48001
BUSY = -1


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
        raise QuotaExhausted(f"{message} (the API's call quota is used up; backing off)")
    if code == UNAUTHORIZED:
        raise PermissionDenied(f"{message}: this account has not granted {permission or 'the API'}")
    if code == BUSY:
        raise ServerError(message)
    if code != 0:
        raise ApiError(message)
    return body


async def fetch_token(call: Caller, client_id: str, secret: str) -> tuple[str, float]:
    """`GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…` -> (token, lifetime s)."""
    params = {"grant_type": "client_credential", "appid": client_id, "secret": secret}
    body = await call("GET", "/cgi-bin/token", params=params, auth=False, unwrap=lambda b: b)
    if not isinstance(body, Mapping) or "access_token" not in body:
        raise AuthRejected(f"wechat: {body}")
    return str(body["access_token"]), float(integer(need(body, "expires_in"), "expires_in"))
