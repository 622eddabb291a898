"""Request-scoped dependencies: the store, the settings and access control.

Key scoping is enforced here and only here (contract section 3, Access). The key is read
through FastAPI's `HTTPBearer`, so the OpenAPI schema declares the bearer security scheme
(`components.securitySchemes`) and `/docs` offers "Authorize"; it is compared with the
configured keys in constant time (kernel/api_keys.py). All are coroutines: none does I/O,
and a plain function would cost a worker thread per request.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kernel.api_keys import ApiKeys
from kernel.clickhouse import Store
from kernel.settings import Settings


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class Access:
    """Who is asking: scope `all`, or a county code (None when keys are not configured)."""

    scope: str | None

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


async def get_stream_access(
    request: Request,
    credentials: BearerDep,
    access_token: Annotated[
        str | None, Query(description="the API key, for browsers' EventSource, which cannot send headers")
    ] = None,
) -> Access:
    """As get_access, also taking the key as `?access_token=` (as SignalR and others do for
    streams): a browser's EventSource cannot set an Authorization header. A bearer key in
    the header wins."""
    return access_for(request.app.state.api_keys, credentials.credentials if credentials else access_token)


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
    scope = keys.scope_of(key)
    if scope is None:
        raise HTTPException(status_code=401, detail="unknown API key", headers={"WWW-Authenticate": "Bearer"})
    return Access(scope=scope)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AccessDep = Annotated[Access, Depends(get_access)]
StreamAccessDep = Annotated[Access, Depends(get_stream_access)]
