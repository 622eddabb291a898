"""Where each client gets its access token.

- `FetchedToken`: a client-credentials token from the platform module's `fetch_token`,
  kept in memory (the simulator-only platforms).
- `StableToken`: WeChat's stable access token (`POST /cgi-bin/stable_token`), **one per
  appid**, shared by every client of that appid in the process (`Tokens` hands out the
  same object) and across restarts (kept in the adapters' state, the spool database,
  0600). WeChat's normal mode answers the appid's current token to anyone who asks, so
  two programs on one appid (a second `livefest ingest`, the county's own tools) share it
  instead of invalidating each other, as `GET /cgi-bin/token` does.
- `qianchuan_oauth.GrantToken`: an Ocean Engine advertiser's OAuth grant, refreshed
  (and its rotating refresh token kept) before it expires.

Each source has `token(call)` (a valid token) and `rejected(token)` (the platform refused
it: 40001/40014/42001 for WeChat, 40102 for Ocean Engine), so the next `token` gets a
good one.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from services.ingest.adapters import wechat
from services.ingest.adapters.api import AuthRejected, Caller, PlatformApi
from services.ingest.adapters.qianchuan_oauth import GrantToken, OceanApp
from services.ingest.budget import Store
from services.ingest.config import PlatformConfig
from services.ingest.quota import day_of

# WeChat renews a stable token in normal mode during its last 5 minutes (of 7,200 s): ask
# again then, not before (a twenty-fourth of the lifetime where tokens live shorter).
RENEW_SHARE, RENEW_MAX_S = 1 / 24, 300.0
# force_refresh is allowed 20 times a day per appid, at least 30 s apart (WeChat's notes).
FORCE_PER_DAY, FORCE_SPACING_S = 20, 30.0


class TokenSource(Protocol):
    async def token(self, call: Caller) -> str: ...
    def rejected(self, token: str) -> None: ...


class FetchedToken:
    """The platform module's own token call, renewed a tenth of its lifetime (at most a
    minute) before it expires, and at once when refused."""

    def __init__(self, api: PlatformApi, client_id: str, secret: str, clock: Callable[[], float] = time.monotonic):
        self.api, self.client_id, self.secret, self.clock = api, client_id, secret, clock
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()

    async def token(self, call: Caller) -> str:
        async with self._lock:
            if self._token is None or self._token[1] <= self.clock():
                value, ttl = await self.api.fetch_token(call, self.client_id, self.secret)
                self._token = (value, self.clock() + ttl - min(60.0, ttl * 0.1))
            return self._token[0]

    def rejected(self, token: str) -> None:
        if self._token and self._token[0] == token:
            self._token = None


@dataclass(frozen=True)
class Kept:
    value: str
    renew_at: float  # wall clock: ask WeChat again from then on
    expires_at: float

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


class StableToken:
    """One appid's stable token. Refused (40001/40014/42001): ask again in normal mode, which
    answers the appid's current token (another program may have renewed it); only if WeChat
    answers the very token it refused, force a refresh, at most 20 times a day and 30 s
    apart (counted in the shared state, so every program on the data directory keeps to it)."""

    def __init__(self, appid: str, secret: str, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.appid, self.secret, self.store, self.clock = appid, secret, store, clock
        self.key = f"wechat:stable-token:{appid}"
        self._force_key = f"wechat:force-refresh:{appid}"
        self._kept: Kept | None = None
        self._refused: str | None = None
        self._lock = asyncio.Lock()

    async def token(self, call: Caller) -> str:
        async with self._lock:
            for kept in (self._kept, self._stored()):
                if kept and kept.value != self._refused and self.clock() < kept.renew_at:
                    self._kept = kept
                    return kept.value
            value, ttl = await wechat.stable_token(call, self.appid, self.secret, force=False)
            if value == self._refused:
                self._may_force()
                value, ttl = await wechat.stable_token(call, self.appid, self.secret, force=True)
            now = self.clock()
            self._kept = Kept(value, now + ttl - min(RENEW_MAX_S, ttl * RENEW_SHARE), now + ttl)
            self.store.set(self.key, self._kept.to_json())
            self._refused = None
            return value

    def rejected(self, token: str) -> None:
        self._refused = token

    def _stored(self) -> Kept | None:
        text = self.store.get(self.key)
        return Kept(**json.loads(text)) if text else None

    def _may_force(self) -> None:
        """Count one forced refresh, or refuse it (the caller retries at its next cycle)."""
        now, today = self.clock(), day_of_unix(self.clock())
        kept = json.loads(self.store.get(self._force_key) or "{}")
        count = kept.get("count", 0) if kept.get("day") == today else 0
        if count >= FORCE_PER_DAY or now - kept.get("last", 0.0) < FORCE_SPACING_S:
            raise AuthRejected(f"wechat appid {self.appid}: WeChat refuses the token it calls current, and a forced "
                               f"refresh is not allowed now ({count} of {FORCE_PER_DAY} today, at least "
                               f"{FORCE_SPACING_S:g} s apart); trying again next cycle")
        self.store.set(self._force_key, json.dumps({"day": today, "count": count + 1, "last": now}))


def day_of_unix(seconds: float) -> str:
    return day_of(datetime.fromtimestamp(seconds, UTC))


class Tokens:
    """Hands out one token source per credential, so every client of an appid (or of an
    advertiser's grant) shares it; all of them keep their state in `store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._sources: dict[tuple[str, ...], TokenSource] = {}

    def stable_for(self, api: PlatformApi, account: PlatformConfig) -> "StableToken | None":
        """The appid's stable token where the API takes WeChat's, else None (the module's own)."""
        if api.tokens != "wechat_stable":
            return None
        return self.stable(account.base_url, account.client_id, account.client_secret.get_secret_value())

    def stable(self, base_url: str, appid: str, secret: str) -> StableToken:
        found = self._sources.setdefault(("wechat", base_url, appid), StableToken(appid, secret, self.store))
        assert isinstance(found, StableToken)
        return found

    def grant(self, app: OceanApp, advertiser_id: int, made: Callable[[], GrantToken] | None = None) -> GrantToken:
        """The advertiser's grant (`made` builds it the first time, when not a plain `GrantToken`)."""
        key = ("qianchuan", app.base_url, str(advertiser_id))
        if key not in self._sources:
            self._sources[key] = made() if made else GrantToken(app, advertiser_id, self.store)
        found = self._sources[key]
        assert isinstance(found, GrantToken)
        return found
