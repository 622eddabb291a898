"""Request-scoped dependencies: the store, the settings and access control.

Key scoping is enforced here and only here (contract section 3, Access). The key is read
through FastAPI's `HTTPBearer`, so the OpenAPI schema declares the bearer security scheme
(`components.securitySchemes`) and `/docs` offers "Authorize"; it is compared with the
configured keys in constant time (kernel/api_keys.py). A key is never taken from a URL:
the big screen's stream, which a browser opens without headers, takes a short-lived stream
ticket instead (tickets.py). All are coroutines: none does I/O, and a plain function would
cost a worker thread per request.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kernel.api_keys import ApiKeys
from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api import params, tickets
from services.api.tickets import Tickets

OPEN = "open"  # the holder of every request when LIVEFEST_API_KEYS is unset


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class Access:
    """Who is asking: scope `all`, or a county code (None when keys are not configured), and
    which key (`key-N`, its position in LIVEFEST_API_KEYS; `open` without keys), for limits."""

    scope: str | None
    holder: str = OPEN

    def may_read(self, county: str | None) -> bool:
        """Whether this caller may see `county` (None = city-wide figures)."""
        return self.scope in (None, "all") or county == self.scope

    def check_county(self, county: str | None) -> None:
        """403 unless this caller may see `county` (None = city-wide figures)."""
        if not self.may_read(county):
            asked = f"county {county!r}" if county else "city-wide figures"
            raise HTTPException(
                status_code=403,
                detail=f"this key is scoped to county {self.scope!r} and cannot read {asked}",
            )

    def screen_of(self, county: str | None) -> str | None:
        """Whose screen this caller sees when asking for `county` (None: the city's, or, for a
        county-scoped key, its own county's); 403 for anything else."""
        county = county or self.reports_for
        self.check_county(county)
        return county

    @property
    def reports_for(self) -> str | None:
        """The one county this caller may report figures for (None: any county)."""
        return None if self.scope in (None, "all") else self.scope


# auto_error=False: a missing key is answered by access_for (401 with our JSON error, and
# no key needed at all when LIVEFEST_API_KEYS is unset), not by HTTPBearer's own 403.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="A key of LIVEFEST_API_KEYS: scope `all` reads everything, a county key its own county only.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def get_access(request: Request, credentials: BearerDep) -> Access:
    return access_for(request.app.state.api_keys, credentials.credentials if credentials else None)


@dataclass(frozen=True)
class StreamGrant:
    """What GET /v1/stream may show: `screen` (None: the city's), and to whom (for its limits)."""

    screen: str | None
    holder: str


async def get_stream_grant(
    request: Request,
    credentials: BearerDep,
    county: Annotated[str | None, Depends(params.county)],
    ticket: Annotated[
        str | None, Query(max_length=tickets.MAX_CHARS, description="a ticket from POST /v1/stream-tickets")
    ] = None,
) -> StreamGrant:
    """The stream's grant: from a bearer key (programs), else from a stream ticket (browsers'
    EventSource, which cannot send headers), else none (401) unless the API is open. A
    ticket opens the screen it was issued for; `county`, if given, must be that one."""
    keys: ApiKeys = request.app.state.api_keys
    if credentials is not None or (not ticket and not keys):
        access = access_for(keys, credentials.credentials if credentials else None)
        return StreamGrant(access.screen_of(county), access.holder)
    if not ticket:
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"},
                            detail="missing API key or stream ticket: send 'Authorization: Bearer <key>', or "
                                   "?ticket= from POST /v1/stream-tickets")  # fmt: skip
    issued: Tickets = request.app.state.tickets
    granted = issued.redeem(ticket)
    if granted is None:
        raise HTTPException(status_code=401, detail="unknown or expired stream ticket: ask POST /v1/stream-tickets "
                                                    "for a new one")  # fmt: skip
    if county is not None and county != granted.screen:
        raise HTTPException(status_code=403, detail="this ticket opens another screen: ask for a ticket for it")
    return StreamGrant(granted.screen, granted.holder)


def access_for(keys: ApiKeys, key: str | None) -> Access:
    """Who holds `key`, compared with every configured key in constant time: 401 when keys
    are configured and it is missing or unknown."""
    if not keys:
        return Access(scope=None)
    key = (key or "").strip()
    if not key:
        raise HTTPException(
            status_code=401,
            detail="missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = keys.identify(key)
    if found is None:
        raise HTTPException(status_code=401, detail="unknown API key", headers={"WWW-Authenticate": "Bearer"})
    position, scope = found
    return Access(scope=scope, holder=f"key-{position}")


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AccessDep = Annotated[Access, Depends(get_access)]
StreamGrantDep = Annotated[StreamGrant, Depends(get_stream_grant)]
