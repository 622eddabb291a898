"""GET /v1/specials: each special's figures, hashtag read target, reads and progress."""

from fastapi import APIRouter, Request, Response

from kernel.clickhouse import Store
from kernel.hashtags import progress_bp
from kernel.timeutil import from_micros, rfc3339
from schemas.snapshot import SPECIALS
from schemas.topic_stats import FESTIVAL_HASHTAG, HASHTAG_TARGETS
from services.api import reading
from services.api.answers import answer, json_response
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Figures, SpecialFigures, Specials, errors

router = APIRouter(prefix="/v1", tags=["specials"])

_ZERO = Figures(gmv_fen=0, orders=0, units_sold=0, viewers_total=0, viewers_online=0, sessions=0, sessions_live=0,
                refund_fen=0, refund_sessions=0)


def percent_text(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


@router.get("/specials", response_model=Specials, responses=errors(401, 403, 500, 503))
async def get_specials(request: Request, store: StoreDep, settings: SettingsDep, access: AccessDep) -> Response:
    """The three specials in plan order. Figures are those of /v1/totals?special=X; `reads`
    is the sum over platforms of each platform's newest reading of #粤贸全国云上清远 for the
    special; `progress_bp` is reads/target in integer basis points (rounded down) and
    `progress` the same as text. City-wide figures: county-scoped keys get 403."""
    access.check_county(None)
    stale_us = settings.stale_after_seconds * 1_000_000
    return json_response(await answer(request, ("specials",), lambda: specials(store, stale_us)))


def specials(store: Store, stale_us: int) -> bytes:
    wm = reading.watermark_us(store)
    figures = reading.totals_by_special(store, reading.filters(wm, stale_us))
    reads = reading.special_reads(store, FESTIVAL_HASHTAG)
    result = []
    for special in SPECIALS:
        target = HASHTAG_TARGETS[special]
        got, read_us = reads.get(special, (0, -1))
        bp = progress_bp(got, target)
        result.append(
            SpecialFigures(
                **(figures.get(special) or _ZERO).model_dump(),
                special=special,
                topic=FESTIVAL_HASHTAG,
                target=target,
                reads=got,
                progress_bp=bp,
                progress=percent_text(bp),
                reads_as_of=rfc3339(from_micros(read_us)) if special in reads else None,
            )  # fmt: skip
        )
    return Specials(specials=result, as_of=reading.as_of(wm)).model_dump_json().encode()
