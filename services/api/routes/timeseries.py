"""GET /v1/timeseries: a metric per time bucket."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kernel.semantics import COUNTERS
from kernel.timeutil import rfc3339, to_micros
from services.api import params, queries, reading
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Point, Series

router = APIRouter(prefix="/v1", tags=["timeseries"])


@router.get("/timeseries", response_model=Series)
def get_timeseries(
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
    county: Annotated[str | None, Depends(params.county)],
    metric: Annotated[
        str, Query(description="gmv_fen, orders, units_sold, viewers_total or viewers_online")
    ],
    from_: Annotated[
        str, Query(alias="from", description="first bucket start, RFC 3339, whole minute")
    ],
    to: Annotated[str, Query(description="end of the range, RFC 3339, whole minute")],
    step: Annotated[str, Query(description="bucket width: 60, 300s, 5m, 1h, 1d")] = "60",
) -> Series:
    """For a counter, each point is its increase in [t, t+step) (negative after a downward
    correction); for `viewers_online`, the online viewers just before the bucket's end
    (at the watermark for the bucket holding it). The last bucket may end after `to`."""
    access.check_county(county)
    metric = params.metric(metric)
    step_s = params.step_seconds(step)
    start, end = params.instant(from_, "from"), params.instant(to, "to")
    if start >= end:
        raise params.bad_request(f"from ({from_}) must be before to ({to})")
    span_s = int((end - start).total_seconds())
    buckets = -(-span_s // step_s)
    if buckets > settings.max_buckets:
        raise params.bad_request(
            f"{buckets} buckets requested; at most {settings.max_buckets}: widen step or narrow the range"
        )
    start_s = to_micros(start) // 1_000_000
    wm = reading.watermark_us(store)
    query = {
        **reading.filters(wm, settings.stale_after_seconds * 1_000_000, county),
        "start_s": start_s,
        "end_s": start_s + buckets * step_s,
        "step_s": step_s,
        "buckets": buckets,
    }
    if metric in COUNTERS:
        rows = store.rows(queries.COUNTER_SERIES, {**query, "metric": metric})
    else:
        rows = store.rows(queries.ONLINE_SERIES, query)
    values = {int(bucket): int(value) for bucket, value in rows}
    points = [
        Point(t=rfc3339(start + timedelta(seconds=i * step_s)), value=values.get(i, 0))
        for i in range(buckets)
    ]
    return Series(metric=metric, step=step_s, county=county, points=points)
