"""Kuaishou's one real live-room figure: a merchant's real-time watching UV,
`open.live.shop.seller.real.uv` on the kwaixiaodian open API (schemas/platforms/kuaishou.md).

Every call is signed (`kwaixiaodian.signed_query`) and carries the merchant's access
token from an OAuth code grant. The grant lives in a `GrantStore` (the adapters' spool
state), because a refresh hands out a new refresh token and discards the old one: losing
it means asking the merchant to authorise again. The access token is refreshed shortly
before it expires, and at once when the platform refuses it.

This is real-time viewers only, no counters, so it never makes a snapshot; see
`UvReader` users for what it feeds.

Quotas (open.kwaixiaodian.com, 调用量限制): a test user's calls are capped at 2,000 a day, an
app not yet launched at 100,000 a day across all its APIs; a launched app has the quota
it was granted. Over quota the platform answers `result` 1017, "Exceed quota limit";
the reader raises `QuotaExhausted` and the caller rests until the daily reset.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from services.ingest.adapters import kwaixiaodian as kx
from services.ingest.adapters.api import ApiError, AuthRejected, MalformedPayload, QuotaExhausted, http_check
from services.ingest.quota import Quota

TOKEN_REFUSED = 100200102  # access_denied: any token error, also a discarded or revoked refresh token
OVER_QUOTA, OVER_QUOTA_TEXT = 1017, "Exceed quota limit"
EARLY_S = 600.0  # refresh this long before the access token expires
_REFERENCE = "open.kwaixiaodian.com 调用量限制"
TEST_USER_QUOTA = Quota(2_000, "all_apis", f"{_REFERENCE}: a test user, 2,000 calls a day")
UNLAUNCHED_QUOTA = Quota(100_000, "all_apis", f"{_REFERENCE}: an app before launch, 100,000 calls a day, all APIs")
LAUNCHED_QUOTA = Quota(None, "all_apis", f"{_REFERENCE}: a launched app, the quota it was granted")


@dataclass(frozen=True)
class App:
    """Our app on the kwaixiaodian open platform (the sign secret is separate from the app secret)."""

    base_url: str
    app_key: str
    app_secret: str
    sign_secret: str


class GrantStore(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...


class UvReader:
    """One merchant's (room's) real-time UV."""

    def __init__(self, app: App, merchant: str, http: httpx.AsyncClient, store: GrantStore,
                 clock: Callable[[], float] = time.time, spend: Callable[[], None] = lambda: None) -> None:
        self.app, self.merchant, self.http, self.store, self.clock = app, merchant, http, store, clock
        self.spend = spend  # counts one call against the quotas it draws on
        self.name = f"kwaixiaodian:grant:{merchant}"

    async def authorize(self, code: str) -> kx.Grant:
        """Exchange the merchant's one-time authorisation code (valid 2 minutes) for a grant."""
        params = kx.code_grant(self.app.app_key, self.app.app_secret, code)
        return self._keep(kx.grant(await self._json("GET", "/oauth2/access_token", params=params)))

    async def read(self) -> int:
        grant, expires_at = self._grant()
        if self.clock() >= expires_at - EARLY_S:
            grant = await self._refresh(grant)
        body = await self._call(grant)
        if _refused(body):
            body = await self._call(await self._refresh(grant))
        failed = kx.answer_error(body)
        if failed and (failed[0] == OVER_QUOTA or OVER_QUOTA_TEXT.lower() in failed[1].lower()):
            raise QuotaExhausted(f"kuaishou {kx.REAL_UV}: result {failed[0]}: {failed[1]}")
        if failed:
            raise ApiError(f"kuaishou {kx.REAL_UV}: result {failed[0]}: {failed[1]}")
        return kx.real_uv(body)

    async def _call(self, grant: kx.Grant) -> Any:
        self.spend()
        query = kx.signed_query(kx.REAL_UV, {}, appkey=self.app.app_key, access_token=grant.access_token,
                                timestamp_ms=int(self.clock() * 1000), secret=self.app.sign_secret)
        return await self._json("GET", kx.path_of(kx.REAL_UV), params=query)

    async def _refresh(self, grant: kx.Grant) -> kx.Grant:
        form = kx.refresh_grant(self.app.app_key, self.app.app_secret, grant.refresh_token)
        return self._keep(kx.grant(await self._json("POST", "/oauth2/refresh_token", data=form)))

    def _grant(self) -> tuple[kx.Grant, float]:
        stored = self.store.get(self.name)
        if stored is None:
            raise AuthRejected(f"kuaishou merchant {self.merchant} has not authorised livefest yet: "
                               "run `livefest kuaishou-authorize` with the code of its authorisation")
        kept = json.loads(stored)
        return kx.Grant.from_json(kept["grant"]), float(kept["expires_at"])

    def _keep(self, grant: kx.Grant) -> kx.Grant:
        kept = {"grant": grant.to_json(), "expires_at": self.clock() + grant.expires_in}
        self.store.set(self.name, json.dumps(kept))
        return grant

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, self.app.base_url + path, timeout=10, **kwargs)
        body = http_check(response)
        if not isinstance(body, dict):
            raise MalformedPayload(f"{path}: answer is not an object")
        return body


def _refused(body: Any) -> bool:
    failed = kx.answer_error(body)
    return failed is not None and failed[0] == TOKEN_REFUSED
