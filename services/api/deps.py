"""Request-scoped dependencies: the store, the settings and access control.

Key scoping is enforced here and only here (contract section 3, Access). All are
coroutines: none does I/O, and a plain function would cost a worker thread per request.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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

    @property
    def reports_for(self) -> str | None:
        """The one county this caller may report figures for (None: any county)."""
        return None if self.scope in (None, "all") else self.scope


# Declares the scheme in the OpenAPI schema; the checks (and their messages) are ours.
_bearer = HTTPBearer(auto_error=False, description="an API key from LIVEFEST_API_KEYS, when it is set")


async def get_access(
    settings: Annotated[Settings, Depends(get_app_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Access:
    scopes = settings.key_scopes
    if not scopes:
        return Access(scope=None)
    key = credentials.credentials if credentials else ""
    if not key:
        raise HTTPException(
            status_code=401,
            detail="missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scope = scopes.get(key.strip())
    if scope is None:
        raise HTTPException(status_code=401, detail="unknown API key", headers={"WWW-Authenticate": "Bearer"})
    return Access(scope=scope)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AccessDep = Annotated[Access, Depends(get_access)]
