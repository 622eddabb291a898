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
    as_of_us: Annotated[int | None, Depends(params.as_of)],
) -> Totals:
    """City-wide figures at the watermark, or those of one county / platform / special.
    With `as_of=T`, the figures as they stood at event time T: only snapshots observed at
    or before T count, and `as_of` in the answer is the watermark at T."""
    access.check_county(county)
    wm = reading.watermark_us(store, as_of_us)
    query = reading.filters(
        wm, settings.stale_after_seconds * 1_000_000, county, platform, special, as_of_us
    )
    figures = reading.totals(store, query)
    return Totals(**figures.model_dump(), as_of=reading.as_of(wm))


@router.get("/counties", response_model=Counties)
def get_counties(
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    platform: Annotated[str | None, Depends(params.platform)],
    special: Annotated[str | None, Depends(params.special)],
    as_of_us: Annotated[int | None, Depends(params.as_of)],
) -> Counties:
    """All nine county-level units (the city's own rooms under `city`), zeros included;
    `as_of=T` as for /v1/totals."""
    access.check_county(None)
    wm = reading.watermark_us(store, as_of_us)
    query = reading.filters(
        wm, settings.stale_after_seconds * 1_000_000, None, platform, special, as_of_us
    )
    found = reading.totals_by_county(store, query)
    return Counties(
        counties=[found.get(code) or CountyFigures(county=code, **_ZERO) for code in COUNTIES],
        as_of=reading.as_of(wm),
    )
