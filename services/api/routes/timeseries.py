"""GET /v1/timeseries: a metric per time bucket."""

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from kernel.clickhouse import Store
from kernel.semantics import COUNTERS
from kernel.timeutil import rfc3339, to_micros
from services.api import params, queries, reading
from services.api.answers import answer, json_response
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Point, Series, errors

router = APIRouter(prefix="/v1", tags=["timeseries"])

# `minute` is a DateTime: its last second. A bucket may end after `to` (and after it).
_STORE_END_S = 2**32 - 1


@dataclass(frozen=True)
class Buckets:
    """`count` buckets of `step_s` seconds from `start` (a whole minute)."""

    start: datetime
    step_s: int
    count: int

    @property
    def start_s(self) -> int:
        return to_micros(self.start) // 1_000_000


@router.get("/timeseries", response_model=Series, responses=errors(400, 401, 403, 500, 503))
async def get_timeseries(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    county: Annotated[str | None, Depends(params.county)],
    metric: Annotated[str, Depends(params.metric)],
    from_: Annotated[
        str, params.time_query(params.MINUTE_PATTERN, "first bucket start, RFC 3339, whole minute", "from")
    ],
    to: Annotated[
        str,
        params.time_query(
            params.MINUTE_PATTERN, "end of the range, RFC 3339, whole minute", example="2021-10-24T00:00:00+08:00"
        ),
    ],
    step: Annotated[str, params.step_query()] = "60",
) -> Response:
    """For a counter, each point is its increase in [t, t+step) (negative after a downward
    correction); for `viewers_online`, the online viewers just before the bucket's end
    (at the watermark for the bucket holding it). The last bucket may end after `to`.
    At most LIVEFEST_MAX_BUCKETS buckets (10,000 by default)."""
    access.check_county(county)
    buckets = _buckets(from_, to, step, settings.max_buckets)
    key = ("timeseries", metric, county, buckets)
    heavy = Heavy(request.app.state.heavy_lane, request.app.state.heavy_settings)
    return json_response(
        await answer(request, key, lambda: series(store, heavy, settings.stale_after_seconds, metric, county, buckets))
    )


def _buckets(from_: str, to: str, step: str, max_buckets: int) -> Buckets:
    step_s = params.step_seconds(step)
    start, end = params.instant(from_, "from"), params.instant(to, "to")
    if start >= end:
        raise params.bad_request(f"from ({from_}) must be before to ({to})")
    count = -(-int((end - start).total_seconds()) // step_s)
    if count > max_buckets:
        raise params.bad_request(f"{count} buckets requested; at most {max_buckets}: widen step or narrow the range")
    return Buckets(start, step_s, count)


@dataclass(frozen=True)
class Heavy:
    """A series may read much: at most so many run at once (`lane`), each with `settings`
    that make it give way to quick questions (kernel.clickhouse.ReadLimits.heavy)."""

    lane: threading.BoundedSemaphore
    settings: dict[str, Any]


def series(store: Store, heavy: Heavy, stale_after_s: int, metric: str, county: str | None, buckets: Buckets) -> bytes:
    wm = reading.watermark_us(store)
    query = {
        **reading.filters(wm, stale_after_s * 1_000_000, county),
        "start_s": buckets.start_s,
        "end_s": min(buckets.start_s + buckets.count * buckets.step_s, _STORE_END_S),
        "step_s": buckets.step_s,
        "buckets": buckets.count,
    }
    sql = queries.COUNTER_SERIES if metric in COUNTERS else queries.ONLINE_SERIES
    with heavy.lane:
        rows = store.rows(sql, {**query, "metric": metric} if metric in COUNTERS else query, heavy.settings)
    values = {int(bucket): int(value) for bucket, value in rows}
    points = [
        Point(t=rfc3339(buckets.start + timedelta(seconds=i * buckets.step_s)), value=values.get(i, 0))
        for i in range(buckets.count)
    ]
    return Series(metric=metric, step=buckets.step_s, county=county, points=points).model_dump_json().encode()
