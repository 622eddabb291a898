"""GET /v1/totals and GET /v1/counties."""

from typing import Annotated

from fastapi import APIRouter, Depends

from schemas.snapshot import COUNTIES
from services.api import params, reading
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Counties, CountyFigures, Totals

router = APIRouter(prefix="/v1", tags=["totals"])

_ZERO = {
    "gmv_fen": 0,
    "orders": 0,
    "units_sold": 0,
    "viewers_total": 0,
    "viewers_online": 0,
    "sessions": 0,
    "sessions_live": 0,
}


@router.get("/totals", response_model=Totals)
def get_totals(
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    county: Annotated[str | None, Depends(params.county)],
    platform: Annotated[str | None, Depends(params.platform)],
    special: Annotated[str | None, Depends(params.special)],
) -> Totals:
    """City-wide figures at the watermark, or those of one county / platform / special."""
    access.check_county(county)
    wm = reading.watermark_us(store)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000, county, platform, special)
    figures = reading.totals(store, query)
    return Totals(**figures.model_dump(), as_of=reading.as_of(wm))


@router.get("/counties", response_model=Counties)
def get_counties(
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    platform: Annotated[str | None, Depends(params.platform)],
    special: Annotated[str | None, Depends(params.special)],
) -> Counties:
    """All nine county-level units (the city's own rooms under `city`), zeros included."""
    access.check_county(None)
    wm = reading.watermark_us(store)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000, None, platform, special)
    found = reading.totals_by_county(store, query)
    return Counties(
        counties=[found.get(code) or CountyFigures(county=code, **_ZERO) for code in COUNTIES],
        as_of=reading.as_of(wm),
    )
