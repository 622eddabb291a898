"""GET /v1/totals and GET /v1/counties."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from kernel.clickhouse import Store
from kernel.settings import Settings
from schemas.snapshot import COUNTIES
from services.api import params, reading
from services.api.answers import answer, json_response
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Counties, CountyFigures, Totals, errors

router = APIRouter(prefix="/v1", tags=["totals"])

_ZERO = {
    "gmv_fen": 0,
    "orders": 0,
    "units_sold": 0,
    "viewers_total": 0,
    "viewers_online": 0,
    "sessions": 0,
    "sessions_live": 0,
    "refund_fen": 0,
    "refund_sessions": 0,
}


@router.get("/totals", response_model=Totals, responses=errors(400, 401, 403, 500, 503))
async def get_totals(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    county: Annotated[str | None, Depends(params.county)],
    platform: Annotated[str | None, Depends(params.platform)],
    special: Annotated[str | None, Depends(params.special)],
    as_of_us: Annotated[int | None, Depends(params.as_of)],
) -> Response:
    """City-wide figures at the watermark, or those of one county / platform / special.
    With `as_of=T`, the figures as they stood at event time T: only snapshots observed at
    or before T count, and `as_of` in the answer is the watermark at T."""
    access.check_county(county)
    key = ("totals", county, platform, special, as_of_us)
    return json_response(
        await answer(request, key, lambda: totals(store, settings, county, platform, special, as_of_us))
    )


def totals(
    store: Store, settings: Settings, county: str | None, platform: str | None, special: str | None,
    as_of_us: int | None,
) -> bytes:  # fmt: skip
    wm = reading.watermark_us(store, as_of_us)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000, county, platform, special, as_of_us)
    figures = reading.totals(store, query)
    return Totals(**figures.model_dump(), as_of=reading.as_of(wm)).model_dump_json().encode()


@router.get("/counties", response_model=Counties, responses=errors(400, 401, 403, 500, 503))
async def get_counties(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    platform: Annotated[str | None, Depends(params.platform)],
    special: Annotated[str | None, Depends(params.special)],
    as_of_us: Annotated[int | None, Depends(params.as_of)],
) -> Response:
    """All nine county-level units (the city's own rooms under `city`), zeros included;
    `as_of=T` as for /v1/totals."""
    access.check_county(None)
    key = ("counties", platform, special, as_of_us)
    return json_response(await answer(request, key, lambda: counties(store, settings, platform, special, as_of_us)))


def counties(
    store: Store, settings: Settings, platform: str | None, special: str | None, as_of_us: int | None
) -> bytes:
    wm = reading.watermark_us(store, as_of_us)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000, None, platform, special, as_of_us)
    found = reading.totals_by_county(store, query)
    return (
        Counties(
            counties=[found.get(code) or CountyFigures(county=code, **_ZERO) for code in COUNTIES],
            as_of=reading.as_of(wm),
        )
        .model_dump_json()
        .encode()
    )
