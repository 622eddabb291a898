"""The big screen's figures: what GET /v1/screen answers and each event of GET /v1/stream
carries, for the whole city (county None) or one county.

Every figure is read the way the other routes read it (reading.py, queries.py), so the
screen's city GMV is /v1/totals' `gmv_fen` at the same write. Blocking: call it on a
worker thread.
"""

from datetime import datetime
from typing import Any

from kernel.clickhouse import Store
from kernel.hashtags import progress_bp
from kernel.settings import Settings
from kernel.timeutil import SHANGHAI, from_micros, rfc3339, to_micros
from schemas.snapshot import COUNTIES
from schemas.topic_stats import FESTIVAL_HASHTAG, HASHTAG_TARGETS
from services.api import queries, reading
from services.api.models import CountyFigures, CurvePoint, Figures, Screen, ScreenHashtag, ScreenRoom

CURVE_STEP_S = 300  # 5-minute points: at most 288 a day
TOP_ROOMS = 10


def screen(store: Store, settings: Settings, county: str | None) -> Screen:
    """The screen of `county` (None: the city's, with every unit and the hashtags)."""
    wm = reading.watermark_us(store)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000, county)
    totals = reading.totals(store, query)
    return Screen(
        county=county,
        as_of=reading.as_of(wm),
        stale_after_s=settings.screen_stale_seconds,
        totals=totals,
        counties=[CountyFigures(county=county, **totals.model_dump())] if county else all_counties(store, query),
        day=day_start(wm).date().isoformat() if wm is not None else None,
        curve_step_s=CURVE_STEP_S,
        curve=gmv_curve(store, query, wm),
        hashtags=hashtags(store) if county is None else [],
        top_rooms=top_rooms(store, query),
    )


def all_counties(store: Store, query: dict[str, Any]) -> list[CountyFigures]:
    """The nine units in the contract's order, zeros included."""
    found = reading.totals_by_county(store, query)
    zero = {name: 0 for name in Figures.model_fields}
    return [found.get(code) or CountyFigures(county=code, **zero) for code in COUNTIES]


def day_start(wm_us: int) -> datetime:
    """Midnight in Asia/Shanghai of the day holding the watermark (days are Shanghai's)."""
    local = from_micros(wm_us).astimezone(SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def gmv_curve(store: Store, query: dict[str, Any], wm: int | None) -> list[CurvePoint]:
    """The day's cumulative GMV through the watermark, in 5-minute buckets: a first point
    of 0 at the start of the first bucket where GMV changed, then one point per bucket at
    its end (the watermark for the last) with the sum of the contract's increases from
    midnight to there. Empty before the first snapshot."""
    if wm is None:
        return []
    start_s = to_micros(day_start(wm)) // 1_000_000
    buckets = (wm // 1_000_000 - start_s) // CURVE_STEP_S + 1
    rows = store.rows(queries.COUNTER_SERIES, {
        **query, "start_s": start_s, "end_s": start_s + buckets * CURVE_STEP_S, "step_s": CURVE_STEP_S,
        "buckets": buckets, "metric": "gmv_fen",
    })  # fmt: skip
    increases = {int(bucket): int(value) for bucket, value in rows if int(value)}
    first = min(increases, default=buckets - 1)
    points = [CurvePoint(t=rfc3339(from_micros((start_s + first * CURVE_STEP_S) * 1_000_000)), gmv_fen=0)]
    total = 0
    for bucket in range(first, buckets):
        total += increases.get(bucket, 0)
        end_us = min((start_s + (bucket + 1) * CURVE_STEP_S) * 1_000_000, wm)
        points.append(CurvePoint(t=rfc3339(from_micros(end_us)), gmv_fen=total))
    return points


def hashtags(store: Store) -> list[ScreenHashtag]:
    """Each special's reads of the festival hashtag against its target, in plan order."""
    reads = reading.special_reads(store, FESTIVAL_HASHTAG)
    result = []
    for special, target in HASHTAG_TARGETS.items():
        got = reads.get(special, (0, -1))[0]
        result.append(ScreenHashtag(special=special, topic=FESTIVAL_HASHTAG, target=target, reads=got,
                                    progress_bp=progress_bp(got, target)))
    return result


def top_rooms(store: Store, query: dict[str, Any]) -> list[ScreenRoom]:
    rows = store.dicts(queries.TOP_SESSIONS, {**query, "limit": TOP_ROOMS})
    return [ScreenRoom(**{**row, "special": row["special"] or None, "live": bool(row["live"])}) for row in rows]
