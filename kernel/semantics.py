"""The meaning of the figures (contract section 2, amendment 1.1), as plain functions.

This is the reference implementation: it works on whole lists of snapshots and is
written for clarity, not speed. The ClickHouse queries compute the same figures
incrementally; tests hold both to these functions. Nothing here does I/O.

What the log holds is a sequence of `Record`s: each accepted snapshot with the broker's
append time and its position (partition, offset). Two rules of amendment 1.1 need them:

- **The watermark** is the greatest `min(observed_at, appended_at)` over every accepted
  snapshot, counting or not: a clock running ahead (within the future bound) cannot push it
  past the broker's own clock and make every other session stale.
- **Ownership.** Each snapshot has a *lane*: `""` for adapter snapshots, the county for
  county reports. A session's *owner lane* is `""` if any adapter snapshot of it exists,
  otherwise the lane of its first county-report snapshot in **log order**. Log order is
  `(appended_at, partition, offset)`: offsets alone do not order records of different
  partitions, and a session's key moves to another partition when the topic is grown
  mid-festival; the append time orders those, the position breaks ties. The session's
  *counting* snapshots are those of its owner lane; every figure (counters, refunds,
  live-ness, peaks, shelf, categories, series, `as_of`) comes from them alone. An
  adapter's snapshots therefore stand wherever they arrive in the log, and a foreign
  county's report never counts.
- **Duplicates** (one identity delivered more than once, in the owner lane): the copy with
  the greatest Kafka offset wins, i.e. the one delivered last within its partition. This is
  the copy the raw store keeps (ReplacingMergeTree(kafka_offset)), so every rebuild from it
  agrees; only copies of one identity in two partitions (a topic grown mid-festival) could
  be ordered otherwise than by append time, and there offsets decide, as they always have.

Callers that only have snapshots may pass them bare: a bare snapshot is taken as appended
at its own `observed_at` (rounded up to the broker's millisecond), at offset = its index in
the sequence (partition 0), so the watermark is the greatest `observed_at` and duplicates
are delivered in sequence order.

**Refunds** (`refund_fen`, 退款金额) are a counter like `gmv_fen`, but optional: a session's
refund is its newest counting snapshot's `refund_fen`, *known* only when that snapshot
carries it. A platform reports refunds in every reading or in none, so a reading without
them says "unknown", not "zero", and the newest reading decides, as for every other figure
(it is also what survives duplicates exactly: the delivered copy that wins decides). In
increases and sums an unknown refund counts as 0; `Totals.refund_sessions` says how many
sessions the sum covers.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.snapshot import Snapshot

COUNTERS = ("viewers_total", "orders", "units_sold", "gmv_fen")
GAUGES = ("viewers_online",)
METRICS = COUNTERS + GAUGES
REFUND = "refund_fen"  # an optional counter (see the module docstring); not a series metric
STALE_AFTER = timedelta(seconds=120)
ADAPTER_LANE = ""


@dataclass(frozen=True)
class Record:
    """One accepted snapshot as the log holds it: its broker append time and position."""

    snapshot: Snapshot
    appended_at: datetime
    partition: int = 0
    offset: int = 0

    @property
    def position(self) -> tuple[datetime, int, int]:
        """Its place in log order."""
        return (self.appended_at, self.partition, self.offset)

    @property
    def mark(self) -> datetime:
        """How far this record moves the watermark: its event time, never past its append time."""
        return min(self.snapshot.observed_at, self.appended_at)


Item = Snapshot | Record


def as_records(items: Iterable[Item]) -> list[Record]:
    """Records as given; a bare snapshot appended at its observed_at, at offset = its index."""
    return [i if isinstance(i, Record) else Record(i, broker_time(i.observed_at), 0, n) for n, i in enumerate(items)]


def broker_time(instant: datetime) -> datetime:
    """`instant` rounded up to the millisecond: the broker's clock (and the store) count
    milliseconds, and rounding up keeps `min(observed_at, appended_at)` = observed_at."""
    return instant + timedelta(microseconds=-instant.microsecond % 1000)


def lane(snapshot: Snapshot) -> str:
    """`""` for an adapter's snapshot, the county for a county report's."""
    return ADAPTER_LANE if snapshot.source == "adapter" else snapshot.county


def owner_lane(records: Sequence[Record]) -> str | None:
    """The lane whose snapshots count for one session's records (None: no records)."""
    if not records:
        return None
    if any(r.snapshot.source == "adapter" for r in records):
        return ADAPTER_LANE
    return lane(min(records, key=lambda r: r.position).snapshot)


def owners(items: Iterable[Item]) -> dict[str, str]:
    """Every session's owner lane."""
    return {sid: lane_ for sid, group in _by_session(as_records(items)).items()
            if (lane_ := owner_lane(group)) is not None}  # fmt: skip


def counting(items: Iterable[Item], as_of: datetime | None = None) -> dict[str, list[Snapshot]]:
    """Each session's counting snapshots, every delivery, by offset (so that `distinct` keeps
    the winning copy of each identity); with `as_of`, only those observed at or before it
    (ownership is still decided by the whole log). Sessions without any are left out: they
    do not exist for readers."""
    result: dict[str, list[Snapshot]] = {}
    for sid, group in _by_session(as_records(items)).items():
        owner = owner_lane(group)
        kept = [r.snapshot for r in sorted(group, key=lambda r: (r.offset, r.position))
                if lane(r.snapshot) == owner and (as_of is None or r.snapshot.observed_at <= as_of)]
        if kept:
            result[sid] = kept
    return result


def _by_session(records: Iterable[Record]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = {}
    for record in records:
        grouped.setdefault(record.snapshot.session_id, []).append(record)
    return grouped


def identity(snapshot: Snapshot) -> tuple[str, datetime]:
    return (snapshot.session_id, snapshot.observed_at)


def distinct(snapshots: Iterable[Snapshot]) -> list[Snapshot]:
    """Distinct snapshots by identity, ordered by `observed_at`.

    Messages with equal identity are duplicates; should their figures differ, the one
    delivered last (the later in the given order) wins.
    """
    by_identity: dict[tuple[str, datetime], Snapshot] = {}
    for snapshot in snapshots:
        by_identity[identity(snapshot)] = snapshot
    return sorted(by_identity.values(), key=lambda s: s.observed_at)


def watermark(items: Iterable[Item], as_of: datetime | None = None) -> datetime | None:
    """The greatest `min(observed_at, appended_at)` over every accepted snapshot (event time,
    clamped by the broker's clock); with `as_of`, over those observed at or before it."""
    return max((r.mark for r in as_records(items) if as_of is None or r.snapshot.observed_at <= as_of),
               default=None)  # fmt: skip


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
    refund_fen: int | None = None  # None: the newest snapshot does not report refunds


def session_figures(
    snapshots: Sequence[Snapshot], at: datetime, stale_after: timedelta = STALE_AFTER
) -> SessionFigures:
    """One session's figures given its counting snapshots and the watermark `at`."""
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
        refund_fen=newest.refund_fen,
    )


def value_before(snapshots: Sequence[Snapshot], counter: str, instant: datetime) -> int:
    """The counter in the newest snapshot with `observed_at` < instant (0 where none, and
    for a refund the snapshot does not report)."""
    before = [s for s in distinct(snapshots) if s.observed_at < instant]
    return (getattr(before[-1], counter) or 0) if before else 0


def increase(snapshots: Sequence[Snapshot], counter: str, start: datetime, end: datetime) -> int:
    """The counter's increase in [start, end); negative after a downward correction."""
    return value_before(snapshots, counter, end) - value_before(snapshots, counter, start)


def refund_known_before(snapshots: Sequence[Snapshot], instant: datetime) -> bool:
    """Whether the newest snapshot with `observed_at` < instant reports refunds."""
    before = [s for s in distinct(snapshots) if s.observed_at < instant]
    return bool(before) and before[-1].refund_fen is not None


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
    refund_fen: int = 0  # over the sessions whose refunds are known
    refund_sessions: int = 0  # how many sessions that is


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
            refund_fen=result.refund_fen + (s.refund_fen or 0),
            refund_sessions=result.refund_sessions + int(s.refund_fen is not None),
        )
    return result


def by_session(snapshots: Iterable[Snapshot]) -> dict[str, list[Snapshot]]:
    grouped: dict[str, list[Snapshot]] = {}
    for snapshot in snapshots:
        grouped.setdefault(snapshot.session_id, []).append(snapshot)
    return grouped


def all_session_figures(
    items: Iterable[Item], stale_after: timedelta = STALE_AFTER, as_of: datetime | None = None
) -> dict[str, SessionFigures]:
    """Every session's figures at the watermark, from its counting snapshots; with `as_of`,
    as they stood at event time `as_of` (snapshots observed later left out, the watermark
    then; owners are decided by the whole log)."""
    records = as_records(items)
    at = watermark(records, as_of)
    if at is None:
        return {}
    return {sid: session_figures(group, at, stale_after) for sid, group in counting(records, as_of).items()}


def timeseries(
    items: Iterable[Item],
    metric: str,
    start: datetime,
    step: timedelta,
    buckets: int,
    stale_after: timedelta = STALE_AFTER,
    at: datetime | None = None,
) -> list[tuple[datetime, int]]:
    """Buckets [t, t+step) from `start`, over the counting snapshots: a counter's increase, or
    for `viewers_online` the online viewers just before the bucket's end (at the watermark
    for the bucket holding it, 0 for buckets after it). `at` is the watermark, by default
    that of `items` (pass the city-wide one when `items` are a subset)."""
    records = as_records(items)
    sessions = counting(records).values()
    mark = at if at is not None else watermark(records)
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
