"""Reads a report's figures from ClickHouse (the SQL is in queries.py)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from kernel.clickhouse import Store
from kernel.timeutil import from_micros, to_micros
from schemas.topic_stats import FESTIVAL_HASHTAG
from services.api import queries as api_queries
from services.reconcile.read import live_totals, settled
from services.report import queries
from services.report.model import Figures, Period, SessionDay, SessionRange

# An open period reads from the epoch to a far future (the schema's year bound is 2200).
_OPEN_END_S = to_micros(datetime(2200, 1, 1, tzinfo=UTC)) // 1_000_000
CURVE_POINTS = 240
T = TypeVar("T")


def bounds(period: Period) -> dict[str, int]:
    start = to_micros(period.start) // 1_000_000 if period.start else 0
    end = to_micros(period.end) // 1_000_000 if period.end else _OPEN_END_S
    return {"start_s": start, "end_s": end}


def sessions(store: Store, period: Period) -> list[SessionRange]:
    return [
        SessionRange(
            session_id=r["session_id"], room_id=r["room_id"], county=r["county"], platform=r["platform"],
            special=r["special"], first_observed_at=from_micros(r["first_us"]),
            last_observed_at=from_micros(r["last_us"]), gmv_fen=r["gmv_fen"], orders=r["orders"],
            units_sold=r["units_sold"], viewers_total=r["viewers_total"],
            refund_fen=r["refund_fen"] if r["refund_known"] else None,
            peak_viewers_online=r["peak_viewers_online"], products=r["products"],
            categories=tuple(r["categories"]),
        )  # fmt: skip
        for r in store.dicts(queries.SESSIONS, bounds(period))
    ]


def session_days(store: Store, period: Period) -> list[SessionDay]:
    days = []
    for row in store.dicts(queries.SESSION_DAYS, bounds(period)):
        known, refunds = row.pop("refund_known"), row.pop("refunds")
        days.append(SessionDay(**row, refund_fen=refunds if known else None))
    return days


def watermark(store: Store, period: Period) -> datetime | None:
    wm, n = store.rows(queries.WATERMARK, bounds(period))[0]
    return from_micros(int(wm)) if n else None


def hashtag_reads(store: Store, period: Period) -> dict[str, int]:
    rows = store.rows(queries.HASHTAG_READS, {**bounds(period), "topic": FESTIVAL_HASHTAG})
    return {special: int(reads) for special, reads in rows}


def viewers_curve(
    store: Store, period: Period, mark: datetime | None, stale_after_s: int
) -> list[tuple[datetime, int]]:
    """City-wide online viewers over the period: the API's minute-by-minute series (its own
    query), reduced to at most CURVE_POINTS intervals by keeping each interval's peak — a
    sample at each interval's end would miss most broadcasts of a weeks-long festival.
    `mark` must be the store's watermark (not the period's): that query relies on it being
    the newest snapshot of all."""
    if mark is None:
        return []
    first_us, _ = store.rows(queries.FIRST_OBSERVED)[0]
    start = period.start or from_micros(int(first_us))
    end = min(period.end, mark + timedelta(minutes=1)) if period.end else mark + timedelta(minutes=1)
    start_s = to_micros(start) // 1_000_000 // 60 * 60
    end_s = -(-(to_micros(end) // 1_000_000) // 60) * 60
    if end_s <= start_s:
        return []
    minutes = (end_s - start_s) // 60
    params: dict[str, Any] = {
        "start_s": start_s, "step_s": 60, "buckets": minutes,
        "stale_us": stale_after_s * 1_000_000, "wm": to_micros(mark), "county": None,
    }  # fmt: skip
    per_minute = {int(b): int(v) for b, v in store.rows(api_queries.ONLINE_SERIES, params)}
    width = -(-minutes // CURVE_POINTS)  # minutes per interval
    return [
        (
            from_micros((start_s + first * 60) * 1_000_000),
            max((per_minute.get(m, 0) for m in range(first, min(first + width, minutes))), default=0),
        )
        for first in range(0, minutes, width)
    ]


READ_STEPS = 7


def figures(
    store: Store, period: Period, stale_after_s: int = 120, tick: Callable[[], None] = lambda: None
) -> Figures:
    """Every figure of one report; `tick` is called after each of READ_STEPS queries."""

    def step(value: T) -> T:
        tick()
        return value

    mark = step(watermark(store, period))
    done = step(settled(store))
    live = step(live_totals(store))
    return Figures(
        period=period,
        watermark=mark,
        sessions=step(sessions(store, period)),
        days=step(session_days(store, period)),
        hashtag_reads=step(hashtag_reads(store, period)),
        settled=done,
        live_totals={sid: live[sid] for sid in done if sid in live},
        viewers_curve=step(viewers_curve(store, period, watermark(store, Period()), stale_after_s)),
    )
