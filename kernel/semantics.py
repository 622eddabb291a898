"""The meaning of the figures (contract section 2), as plain functions.

This is the reference implementation: it works on whole lists of snapshots and is
written for clarity, not speed. The ClickHouse queries compute the same figures
incrementally; tests hold both to these functions. Nothing here does I/O.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.snapshot import Snapshot

COUNTERS = ("viewers_total", "orders", "units_sold", "gmv_fen")
GAUGES = ("viewers_online",)
METRICS = COUNTERS + GAUGES
STALE_AFTER = timedelta(seconds=120)


def identity(snapshot: Snapshot) -> tuple[str, datetime]:
    return (snapshot.session_id, snapshot.observed_at)


def distinct(snapshots: Iterable[Snapshot]) -> list[Snapshot]:
    """Distinct snapshots by identity, ordered by `observed_at`.

    Messages with equal identity are duplicates; should their figures differ, the one
    delivered last wins (the aggregator breaks the tie the same way, by Kafka offset).
    """
    by_identity: dict[tuple[str, datetime], Snapshot] = {}
    for snapshot in snapshots:
        by_identity[identity(snapshot)] = snapshot
    return sorted(by_identity.values(), key=lambda s: s.observed_at)


def watermark(snapshots: Iterable[Snapshot]) -> datetime | None:
    """The greatest `observed_at` seen over all sessions (event time)."""
    return max((s.observed_at for s in snapshots), default=None)


def is_current(newest: Snapshot, at: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
    """A session whose newest snapshot is `live` and at most `stale_after` older than `at`."""
    return newest.status == "live" and at - newest.observed_at <= stale_after


@dataclass(frozen=True)
class SessionFigures:
    session_id: str
    room_id: str
    county: str
    platform: str
    special: str | None
    status: str
    live: bool
    observed_at: datetime
    first_observed_at: datetime
    viewers_online: int
    peak_viewers_online: int
    viewers_total: int
    orders: int
    units_sold: int
    gmv_fen: int
    products_listed: int
    products_listed_max: int
    categories: tuple[str, ...] = field(default=())


def session_figures(
    snapshots: Sequence[Snapshot], at: datetime, stale_after: timedelta = STALE_AFTER
) -> SessionFigures:
    """One session's figures given all its snapshots and the watermark `at`."""
    ordered = distinct(snapshots)
    if not ordered:
        raise ValueError("a session needs at least one snapshot")
    newest = ordered[-1]
    live = is_current(newest, at, stale_after)
    return SessionFigures(
        session_id=newest.session_id,
        room_id=newest.room_id,
        county=newest.county,
        platform=newest.platform,
        special=newest.special,
        status=newest.status,
        live=live,
        observed_at=newest.observed_at,
        first_observed_at=ordered[0].observed_at,
        viewers_online=newest.viewers_online if live else 0,
        peak_viewers_online=max(s.viewers_online for s in ordered),
        viewers_total=newest.viewers_total,
        orders=newest.orders,
        units_sold=newest.units_sold,
        gmv_fen=newest.gmv_fen,
        products_listed=newest.products_listed,
        products_listed_max=max(s.products_listed for s in ordered),
        categories=tuple(sorted({c for s in ordered for c in s.categories})),
    )


def value_before(snapshots: Sequence[Snapshot], counter: str, instant: datetime) -> int:
    """The counter in the newest snapshot with `observed_at` < instant (0 where none)."""
    before = [s for s in distinct(snapshots) if s.observed_at < instant]
    return getattr(before[-1], counter) if before else 0


def increase(snapshots: Sequence[Snapshot], counter: str, start: datetime, end: datetime) -> int:
    """The counter's increase in [start, end); negative after a downward correction."""
    return value_before(snapshots, counter, end) - value_before(snapshots, counter, start)


def online_at(
    snapshots: Sequence[Snapshot], instant: datetime, stale_after: timedelta = STALE_AFTER
) -> int:
    """`viewers_online` as it stood just before `instant`: the newest earlier snapshot counts
    if it is live and at most `stale_after` older than `instant`."""
    before = [s for s in distinct(snapshots) if s.observed_at < instant]
    if not before or not is_current(before[-1], instant, stale_after):
        return 0
    return before[-1].viewers_online


@dataclass(frozen=True)
class Totals:
    gmv_fen: int = 0
    orders: int = 0
    units_sold: int = 0
    viewers_total: int = 0
    viewers_online: int = 0
    sessions: int = 0
    sessions_live: int = 0


def totals(sessions: Iterable[SessionFigures]) -> Totals:
    """Sums over sessions (a county's, a platform's, or the whole city's)."""
    result = Totals()
    for s in sessions:
        result = Totals(
            gmv_fen=result.gmv_fen + s.gmv_fen,
            orders=result.orders + s.orders,
            units_sold=result.units_sold + s.units_sold,
            viewers_total=result.viewers_total + s.viewers_total,
            viewers_online=result.viewers_online + s.viewers_online,
            sessions=result.sessions + 1,
            sessions_live=result.sessions_live + int(s.live),
        )
    return result


def by_session(snapshots: Iterable[Snapshot]) -> dict[str, list[Snapshot]]:
    grouped: dict[str, list[Snapshot]] = {}
    for snapshot in snapshots:
        grouped.setdefault(snapshot.session_id, []).append(snapshot)
    return grouped


def all_session_figures(
    snapshots: Iterable[Snapshot], stale_after: timedelta = STALE_AFTER
) -> dict[str, SessionFigures]:
    """Every session's figures at the watermark of these snapshots."""
    snapshots = list(snapshots)
    at = watermark(snapshots)
    if at is None:
        return {}
    return {
        sid: session_figures(group, at, stale_after) for sid, group in by_session(snapshots).items()
    }


def timeseries(
    snapshots: Iterable[Snapshot],
    metric: str,
    start: datetime,
    step: timedelta,
    buckets: int,
    stale_after: timedelta = STALE_AFTER,
    at: datetime | None = None,
) -> list[tuple[datetime, int]]:
    """Buckets [t, t+step) from `start`: a counter's increase, or for `viewers_online` the
    online viewers just before the bucket's end (at the watermark for the bucket holding
    it, 0 for buckets after it). `at` is the watermark, by default that of `snapshots`
    (pass the city-wide one when `snapshots` are a subset)."""
    snapshots = list(snapshots)
    sessions = by_session(snapshots).values()
    mark = at if at is not None else watermark(snapshots)
    points = []
    for i in range(buckets):
        t = start + i * step
        end = t + step
        if metric in COUNTERS:
            value = sum(increase(group, metric, t, end) for group in sessions)
        elif metric == "viewers_online":
            if mark is None or t > mark:
                value = 0  # nobody has been seen online in the future
            elif mark < end:
                value = sum(_online_at_watermark(g, mark, stale_after) for g in sessions)
            else:
                value = sum(online_at(group, end, stale_after) for group in sessions)
        else:
            raise ValueError(f"unknown metric {metric!r}")
        points.append((t, value))
    return points


def _online_at_watermark(group: Sequence[Snapshot], mark: datetime, stale_after: timedelta) -> int:
    newest = distinct(group)[-1]
    return newest.viewers_online if is_current(newest, mark, stale_after) else 0
