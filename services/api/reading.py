"""Reads figures from ClickHouse into response models (queries live in queries.py)."""

from typing import Any

from kernel.clickhouse import Store
from kernel.timeutil import from_micros, rfc3339
from services.api import queries
from services.api.models import CountyFigures, Figures, Session


def watermark_us(store: Store, as_of_us: int | None = None) -> int | None:
    """The watermark: the greatest min(observed_at, broker append time) over every snapshot
    (observed at or before `as_of_us` when given), or None before the first snapshot."""
    if as_of_us is None:
        wm, sessions = store.rows(queries.WATERMARK)[0]
    else:
        wm, sessions = store.rows(queries.WATERMARK_AS_OF, {"as_of_us": as_of_us})[0]
    return int(wm) if sessions else None


def as_of(wm: int | None) -> str | None:
    return rfc3339(from_micros(wm)) if wm is not None else None


def filters(
    wm: int | None,
    stale_us: int,
    county: str | None = None,
    platform: str | None = None,
    special: str | None = None,
    as_of_us: int | None = None,
) -> dict[str, Any]:
    """Query parameters; with `as_of_us`, the figures are recomputed from the raw snapshots
    observed at or before that instant (and `wm` must be the watermark at that instant)."""
    params: dict[str, Any] = {
        "wm": wm or 0,
        "stale_us": stale_us,
        "county": county,
        "platform": platform,
        # Stored as '' for sessions outside every special; the API calls that `none`.
        "special": "" if special == "none" else special,
    }
    if as_of_us is not None:
        params["as_of_us"] = as_of_us
    return params


def totals(store: Store, params: dict[str, Any]) -> Figures:
    sql = queries.TOTALS_AS_OF if "as_of_us" in params else queries.TOTALS
    return Figures(**store.dicts(sql, params)[0])


def totals_by_county(store: Store, params: dict[str, Any]) -> dict[str, CountyFigures]:
    sql = queries.TOTALS_BY_COUNTY_AS_OF if "as_of_us" in params else queries.TOTALS_BY_COUNTY
    return {row["county"]: CountyFigures(**row) for row in store.dicts(sql, params)}


def session(
    store: Store, params: dict[str, Any], session_id: str, wm: int | None
) -> Session | None:
    rows = store.dicts(queries.SESSION, {**params, "session_id": session_id})
    if not rows:
        return None
    row = rows[0]
    return Session(
        session_id=row["session_id"],
        room_id=row["room_id"],
        county=row["county"],
        platform=row["platform"],
        special=row["special"] or None,
        status=row["status"],
        live=bool(row["live"]),
        gmv_fen=row["gmv_fen"],
        refund_fen=row["refund_fen"],
        orders=row["orders"],
        units_sold=row["units_sold"],
        viewers_total=row["viewers_total"],
        viewers_online=row["viewers_online_raw"] if row["live"] else 0,
        peak_viewers_online=row["peak_viewers_online"],
        products_listed=row["products_listed"],
        products_listed_max=row["products_listed_max"],
        categories=list(row["categories"]),
        observed_at=rfc3339(from_micros(row["observed_at_us"])),
        first_observed_at=rfc3339(from_micros(row["first_observed_at_us"])),
        as_of=as_of(wm),
    )


def totals_by_special(store: Store, params: dict[str, Any]) -> dict[str, Figures]:
    """Figures per special code ('' = outside every special)."""
    rows = store.dicts(queries.TOTALS_BY_SPECIAL, params)
    return {row.pop("special"): Figures(**row) for row in rows}


def special_reads(store: Store, topic: str) -> dict[str, tuple[int, int]]:
    """special -> (reads, newest reading's observed_at in unix microseconds)."""
    rows = store.rows(queries.SPECIAL_READS, {"topic": topic})
    return {special: (int(reads), int(read_us)) for special, reads, read_us in rows}
