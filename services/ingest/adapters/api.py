"""What every platform's polling module (`<platform>_api.py`) shares: the errors a call can
end in, the HTTP-level checks, and the shape of a room listing.

A platform module provides, as plain functions or attributes of its `API` object:
`unwrap(body)` (pure: the answer's payload, or an error), `rows(payload)` (pure: the
records `normalize` reads), `fetch_token`, `listings` and, for platforms without
figures in their room list, `detail`; per-day platforms also `closed_day` and `days`.

`documented` says whether the calls are the platform's published API (schemas/platforms/)
or exist only in livefest's simulator; `room_is_account` that every room is an account
of its own (its credentials in the room's configuration, every live it lists is that
room's); `publishes` that the API carries figures at all (a status-only API lists rooms
and never yields snapshots); `quota` the platform's documented call quota and
`calls_per_cycle(rooms)` what one poll cycle spends of it, by API path (services/ingest/
quota.py derives the poll interval from both); `decode` how the answer's JSON text is
read (`decimal_json` where money comes as JSON numbers of yuan).
"""

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, cast

import httpx

from services.ingest.adapters.common import Carry, MalformedPayload
from services.ingest.quota import UNLIMITED, Quota


class Retryable(Exception):
    """A failure worth retrying with backoff; `reason` is the metric label."""

    reason = "retryable"


class RateLimited(Retryable):
    reason = "rate_limited"

    def __init__(self, retry_after: float | None) -> None:
        super().__init__(f"rate limited (Retry-After {retry_after})")
        self.retry_after = retry_after


class ServerError(Retryable):
    reason = "server_error"


class QuotaExhausted(Retryable):
    """The credential's daily call quota is used up (WeChat errcode 45009, Kuaishou 1017):
    not retried now; the credential rests until the daily reset (services/ingest/budget.py)."""

    reason = "quota_exhausted"


class TokenExpired(Retryable):
    reason = "token_expired"


class Unreachable(Retryable):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class AuthRejected(Exception):
    """The platform refused our credentials: a configuration problem, not retried."""

    reason = "auth_rejected"


class PermissionDenied(AuthRejected):
    """The account has not granted the permission the call needs: the operator must act."""

    reason = "permission_denied"


class ApiError(MalformedPayload):
    """The platform answered with an error code we do not expect; not retried."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "api_error")


def http_check(response: httpx.Response, decode: Callable[[bytes], Any] | None = None) -> Any:
    """The decoded JSON body (`decode`, default `json.loads`), after the HTTP-level checks
    every platform shares."""
    if response.status_code == 429:
        header = response.headers.get("retry-after", "")
        raise RateLimited(float(header) if header.replace(".", "", 1).isdigit() else None)
    if response.status_code >= 500:
        raise ServerError(f"HTTP {response.status_code}")
    if response.status_code == 401:
        raise TokenExpired("HTTP 401")
    try:
        return (decode or json.loads)(response.content)
    except MalformedPayload:
        raise
    except (ValueError, RecursionError):
        raise MalformedPayload(f"HTTP {response.status_code}: body is not JSON", "not_json") from None


@dataclass(frozen=True)
class Dated:
    """A payload with the `Date` header of the answer that carried it (None when absent)."""

    payload: Any
    date: str | None


@dataclass(frozen=True)
class Listing:
    """A room as the room list shows it: `live` is False while it has no session yet;
    `row` is the record `normalize` reads when the list carries the figures itself."""

    room_id: str
    live: bool
    live_id: str
    row: Mapping[str, Any] | None = None


class Caller(Protocol):
    """`PlatformClient.call`: one request with rate limit, timeout, retries and the token."""

    def __call__(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        auth: bool = True,
        unwrap: Callable[[Any], Any] | None = None,
        dated: bool = False,
    ) -> Awaitable[Any]: ...


class PlatformApi(Protocol):
    platform: str
    per_day: bool
    documented: bool
    room_is_account: bool
    publishes: bool
    quota: Quota
    tokens: str

    def calls_per_cycle(self, rooms: int) -> dict[str, int]: ...
    def decode(self, body: bytes) -> Any: ...
    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None: ...
    def unwrap(self, body: Any) -> Any: ...
    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]: ...
    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]: ...
    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]: ...
    def days(self, row: Mapping[str, Any]) -> tuple[date, date]: ...
    async def closed_day(self, call: Caller, row: Mapping[str, Any], day: date) -> Carry: ...
    def for_account(self) -> "PlatformApi": ...


def parse_listing(build: Callable[[], Listing]) -> Listing | MalformedPayload:
    """A listing, or the reason the record could not be read (the rest of the page still counts)."""
    try:
        return build()
    except MalformedPayload as exc:
        return exc


class BaseApi:
    """Defaults for platforms whose room list carries the figures and counts per session."""

    platform = ""
    per_day = False
    documented = False  # livefest's simulator is the only server of the calls
    room_is_account = False
    publishes = True
    quota = UNLIMITED
    # Where the client's access token comes from (services/ingest/tokens.py): the module's
    # own `fetch_token`, WeChat's stable token of the appid, or an Ocean Engine grant.
    tokens = "client_credentials"

    def calls_per_cycle(self, rooms: int) -> dict[str, int]:
        """What one cycle spends of the quota, by API path (the simulator-only platforms
        have none to spend: one listing call per page plus one per room, roughly)."""
        return {"*": 1 + rooms}

    def for_account(self) -> "PlatformApi":
        """The API as one credential's poller uses it: itself, unless it keeps state of its
        own per account (what a cycle since the start has listed)."""
        return cast(PlatformApi, self)

    def decode(self, body: bytes) -> Any:
        return json.loads(body)

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        if listing.row is None:
            raise MalformedPayload(f"{self.platform}: the room list carried no figures")
        return listing.row

    def days(self, row: Mapping[str, Any]) -> tuple[date, date]:
        raise NotImplementedError(f"{self.platform} counts per session")

    async def closed_day(self, call: Caller, row: Mapping[str, Any], day: date) -> Carry:
        raise NotImplementedError(f"{self.platform} counts per session")
