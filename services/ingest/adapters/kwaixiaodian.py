"""The kwaixiaodian (快手电商) open API's request signing and merchant OAuth, as documented
(API调用说明, APP授权说明 on open.kwaixiaodian.com; see schemas/platforms/kuaishou.md).
Pure: parameters in, parameters or parsed answers out.

Signing: the parameters `access_token, appkey, method, param, signMethod, timestamp,
version` (those present) sorted by name and joined as `k=v&…`, then `&signSecret=<secret>`
appended; `sign` is the MD5 hex digest of that text, or the Base64 HMAC-SHA256 of it keyed
by the sign secret. `param` is signed exactly as sent (JSON text); `timestamp` is
milliseconds.

OAuth (merchant authorisation): the merchant's authorisation gives a one-time `code`;
`GET /oauth2/access_token?app_id&grant_type=code&code&app_secret` gives an access token
(48 h) and a refresh token (180 days); `POST /oauth2/refresh_token` with
`grant_type=refresh_token` gives new ones, and the old refresh token stops working.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services.ingest.adapters.api import AuthRejected
from services.ingest.adapters.common import MalformedPayload, integer, need

SignMethod = Literal["MD5", "HMAC_SHA256"]
SIGNED = ("access_token", "appkey", "method", "param", "signMethod", "timestamp", "version")
REAL_UV = "open.live.shop.seller.real.uv"


def sign_text(params: Mapping[str, str]) -> str:
    """The text that is signed: the signed parameters present, sorted, `k=v` joined by `&`."""
    return "&".join(f"{name}={params[name]}" for name in sorted(params) if name in SIGNED and params[name] is not None)


def sign(params: Mapping[str, str], secret: str, method: SignMethod) -> str:
    text = f"{sign_text(params)}&signSecret={secret}".encode()
    if method == "MD5":
        return hashlib.md5(text).hexdigest()  # noqa: S324 (the platform's scheme, not our security)
    return base64.b64encode(hmac.new(secret.encode(), text, hashlib.sha256).digest()).decode()


def signed_query(
    api: str, param: Mapping[str, Any], *, appkey: str, access_token: str, timestamp_ms: int, secret: str,
    method: SignMethod = "HMAC_SHA256", version: str = "1",
) -> dict[str, str]:
    """Every query parameter of one call, `sign` included (HMAC-SHA256, as the platform advises)."""
    query = {
        "appkey": appkey, "method": api, "version": version, "access_token": access_token,
        "param": json.dumps(dict(param), ensure_ascii=False, separators=(",", ":")),
        "timestamp": str(timestamp_ms), "signMethod": method,
    }
    return {**query, "sign": sign(query, secret, method)}


def path_of(api: str) -> str:
    """`open.live.shop.seller.real.uv` is served at `/open/live/shop/seller/real/uv`."""
    return "/" + api.replace(".", "/")


@dataclass(frozen=True)
class Grant:
    """A merchant's authorisation: the short access token and the long refresh token."""

    access_token: str
    refresh_token: str
    expires_in: int  # seconds
    open_id: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> "Grant":
        return cls(**json.loads(text))


def code_grant(app_id: str, app_secret: str, code: str) -> dict[str, str]:
    return {"app_id": app_id, "grant_type": "code", "code": code, "app_secret": app_secret}


def refresh_grant(app_id: str, app_secret: str, refresh_token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "app_id": app_id,
            "app_secret": app_secret}


def grant(body: Any) -> Grant:
    """The token answer: `result` 1 with the tokens, anything else refused (re-authorise)."""
    if not isinstance(body, Mapping) or body.get("result") != 1:
        error = body.get("error_msg") or body.get("error") if isinstance(body, Mapping) else body
        raise AuthRejected(f"kwaixiaodian refused the authorisation: {error}; the merchant must authorise again")
    return Grant(str(need(body, "access_token")), str(need(body, "refresh_token")),
                 integer(need(body, "expires_in"), "expires_in"), str(body.get("open_id", "")))


def real_uv(body: Any) -> int:
    """`open.live.shop.seller.real.uv`: the merchant's live room's real-time viewers."""
    data = need(body, "data")
    return integer(need(data, "realWatchUv"), "realWatchUv")


def answer_error(body: Any) -> tuple[int, str] | None:
    """(result code, message) of a failed call, None for success (`result` 1)."""
    if not isinstance(body, Mapping):
        raise MalformedPayload("answer is not an object")
    code = body.get("result")
    return None if code == 1 else (code if isinstance(code, int) else -1, str(body.get("error_msg")))
