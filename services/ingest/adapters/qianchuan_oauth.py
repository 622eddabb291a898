"""Ocean Engine (巨量引擎) OAuth for Qianchuan (巨量千川) advertisers, and the answer envelope
every Ocean Engine call shares (schemas/platforms/qianchuan.md).

The merchant (the advertiser account's owner) authorises our app on Ocean Engine's
authorisation page; the redirect carries a one-time `auth_code` (valid 10 minutes).
`POST /open_api/oauth2/access_token/` exchanges it for an access token (24 h) and a
refresh token (30 days); `POST /open_api/oauth2/refresh_token/` gives new ones and the
old refresh token stops working (SDKs: oceanengine/ad_open_sdk_go
`models/model_oauth2_*_request.go`, `*_response_data.go`; bububa/oceanengine
`marketing-api/api/oauth/refresh_token.go`). Losing the newest refresh token means asking
the merchant to authorise again, so the grant is kept in the adapters' state (spool
database, 0600) and refreshed under a lock shared by every poller of the advertiser.

Every answer: `{"code": 0, "message": "OK", "request_id": …, "data": {…}}`; errors come
with another `code`, in an HTTP 200.
"""

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.ingest.adapters.api import (
    ApiError,
    AuthRejected,
    Caller,
    MalformedPayload,
    PermissionDenied,
    RateLimited,
    ServerError,
    TokenExpired,
)
from services.ingest.adapters.common import integer, need

ACCESS_TOKEN = "/open_api/oauth2/access_token/"
REFRESH_TOKEN = "/open_api/oauth2/refresh_token/"
# Ocean Engine's return codes (返回码): the access token is expired or invalid; the refresh
# token is expired or already used (the merchant must authorise again); one of the three
# frequency controls (system-wide 40100, per developer and API 40110, inactive account 40130).
TOKEN_CODES = frozenset({40102, 40104, 40105})
REFRESH_CODES = frozenset({40103, 40107})
RATE_CODES = frozenset({40100, 40110, 40130})
NO_PERMISSION = 40002
SYSTEM_ERROR = 50000
# Refresh this long before the access token expires (a tenth of its life where it lives
# less than 100 minutes: the simulator's short-lived tokens).
EARLY_S = 600.0


@dataclass(frozen=True)
class OceanApp:
    """Our app on Ocean Engine's open platform."""

    base_url: str
    app_id: int
    secret: str


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str
    expires_at: float  # wall clock
    refresh_expires_at: float
    advertiser_ids: tuple[int, ...] = ()
    refresh_at: float = 0.0  # when to refresh it (0: EARLY_S before it expires)

    @property
    def due(self) -> float:
        return self.refresh_at or self.expires_at - EARLY_S

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "advertiser_ids": list(self.advertiser_ids)})

    @classmethod
    def from_json(cls, text: str) -> "Grant":
        kept = json.loads(text)
        return cls(**{**kept, "advertiser_ids": tuple(kept.get("advertiser_ids", ()))})


def unwrap(body: Any) -> Any:
    """`data` of a successful answer, else the error its `code` means."""
    if not isinstance(body, Mapping):
        raise MalformedPayload("answer is not an object")
    code = body.get("code")
    message = f"code {code}: {body.get('message')} (request_id {body.get('request_id')})"
    if code == 0:
        return need(body, "data")
    if code in TOKEN_CODES:
        raise TokenExpired(message)
    if code in REFRESH_CODES:
        raise AuthRejected(f"{message}: the advertiser's refresh token is gone; the merchant must authorise "
                           "livefest again (livefest qianchuan-authorize)")
    if code in RATE_CODES:
        raise RateLimited(None)
    if code == NO_PERMISSION:
        raise PermissionDenied(f"{message}: the authorisation does not cover this call or this advertiser")
    if isinstance(code, int) and code >= SYSTEM_ERROR:
        raise ServerError(message)
    raise ApiError(message)


def code_grant(app: OceanApp, auth_code: str) -> dict[str, Any]:
    return {"app_id": app.app_id, "secret": app.secret, "grant_type": "auth_code", "auth_code": auth_code}


def refresh_grant(app: OceanApp, refresh_token: str) -> dict[str, Any]:
    return {"app_id": app.app_id, "secret": app.secret, "grant_type": "refresh_token",
            "refresh_token": refresh_token}


def grant(data: Any, now: float) -> Grant:
    """The token answer's `data` -> a grant with absolute expiries."""
    ids = (data.get("advertiser_ids") or []) if isinstance(data, Mapping) else []
    if not isinstance(ids, list):
        raise MalformedPayload("advertiser_ids is not a list")
    lifetime = integer(need(data, "expires_in"), "expires_in")
    return Grant(
        str(need(data, "access_token")), str(need(data, "refresh_token")), now + lifetime,
        now + integer(need(data, "refresh_token_expires_in"), "refresh_token_expires_in"),
        tuple(integer(i, "advertiser_ids") for i in ids), now + lifetime - min(EARLY_S, lifetime / 10),
    )


class Store(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...


def grant_key(advertiser_id: int) -> str:
    return f"qianchuan:grant:{advertiser_id}"


class GrantToken:
    """One advertiser's grant as a token source: the access token, refreshed EARLY_S before
    it expires and at once when Ocean Engine refuses it."""

    def __init__(self, app: OceanApp, advertiser_id: int, store: Store, clock: Callable[[], float] = time.time):
        self.app, self.advertiser_id, self.store, self.clock = app, advertiser_id, store, clock
        self._refused: str | None = None
        self._lock = asyncio.Lock()

    async def authorize(self, call: Caller, auth_code: str) -> Grant:
        """Exchange the merchant's one-time `auth_code`; the grant must cover this advertiser."""
        data = await call("POST", ACCESS_TOKEN, json=code_grant(self.app, auth_code), auth=False, unwrap=unwrap)
        got = grant(data, self.clock())
        if got.advertiser_ids and self.advertiser_id not in got.advertiser_ids:
            raise AuthRejected(f"the authorisation covers advertisers {list(got.advertiser_ids)}, "
                               f"not {self.advertiser_id}")
        self.store.set(grant_key(self.advertiser_id), got.to_json())
        return got

    async def token(self, call: Caller) -> str:
        async with self._lock:
            kept = self._kept()
            if kept.access_token == self._refused or self.clock() >= kept.due:
                kept = await self._refresh(call, kept)
            return kept.access_token

    def rejected(self, token: str) -> None:
        self._refused = token

    async def _refresh(self, call: Caller, kept: Grant) -> Grant:
        if self.clock() >= kept.refresh_expires_at:
            raise AuthRejected(f"qianchuan advertiser {self.advertiser_id}: the refresh token expired; the "
                               "merchant must authorise livefest again (livefest qianchuan-authorize)")
        data = await call("POST", REFRESH_TOKEN, json=refresh_grant(self.app, kept.refresh_token), auth=False,
                          unwrap=unwrap)
        fresh = grant(data, self.clock())
        fresh = Grant(fresh.access_token, fresh.refresh_token, fresh.expires_at, fresh.refresh_expires_at,
                      fresh.advertiser_ids or kept.advertiser_ids, fresh.refresh_at)
        self.store.set(grant_key(self.advertiser_id), fresh.to_json())  # before anything else can fail
        self._refused = None
        return fresh

    def _kept(self) -> Grant:
        text = self.store.get(grant_key(self.advertiser_id))
        if text is None:
            raise AuthRejected(f"qianchuan advertiser {self.advertiser_id} has not authorised livefest yet: run "
                               "`livefest qianchuan-authorize` with the auth_code of the merchant's authorisation")
        return Grant.from_json(text)
