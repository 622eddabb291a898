"""Reads figures from ClickHouse into response models (queries live in queries.py)."""

from typing import Any

from livefest.clickhouse import Store
from livefest.timeutil import from_micros, rfc3339
from services.api import queries
from services.api.models import CountyFigures, Figures, Session


def watermark_us(store: Store) -> int | None:
    """The greatest observed_at over all sessions, or None before the first snapshot."""
    wm, sessions = store.rows(queries.WATERMARK)[0]
    return int(wm) if sessions else None


def as_of(wm: int | None) -> str | None:
    return rfc3339(from_micros(wm)) if wm is not None else None


def filters(
    wm: int | None,
    stale_us: int,
    county: str | None = None,
    platform: str | None = None,
    special: str | None = None,
) -> dict[str, Any]:
    return {
        "wm": wm or 0,
        "stale_us": stale_us,
        "county": county,
        "platform": platform,
        # Stored as '' for sessions outside every special; the API calls that `none`.
        "special": "" if special == "none" else special,
    }


def totals(store: Store, params: dict[str, Any]) -> Figures:
    return Figures(**store.dicts(queries.TOTALS, params)[0])


def totals_by_county(store: Store, params: dict[str, Any]) -> dict[str, CountyFigures]:
    return {
        row["county"]: CountyFigures(**row) for row in store.dicts(queries.TOTALS_BY_COUNTY, params)
    }


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
