"""Logs that mix adapters and county reports (contract 1.1), with the truth computed from
kernel.semantics alone: sessions fed by adapters only; reported by their county only; reported
first and then fed by a late adapter; reported first by a foreign county, then by their own
(which never counts); reported by their county and later by a foreign one; adapters whose
clock runs up to 290 s ahead of the broker. Reports are re-uploaded (same rows again, and
once corrected), some sessions move to new partitions mid-festival (the topic grew), and
the records of all sessions interleave in append order, partitions and offsets as a broker
would give them."""

import random
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kernel.semantics import Record
from schemas.snapshot import COUNTIES, PLATFORMS, Snapshot
from tests.support.scenario import START, Scenario, snapshot

KINDS = ("adapter", "reports", "late_adapter", "foreign_first", "ahead", "foreign_later")
PARTITIONS = 3
GROWN_AT = START + timedelta(minutes=12)  # partitions 3 and 4 added; some keys move there


@dataclass
class _Log:
    """Records before their positions are given: (appended_at, snapshot, moves), `moves` when the
    session's key is one of those the grown topic sends to a new partition."""

    entries: list[tuple[datetime, Snapshot, bool]] = field(default_factory=list)

    def add(self, appended_at: datetime, s: Snapshot, moves: bool) -> None:
        self.entries.append((_ms(appended_at), s, moves))

    def records(self) -> list[Record]:
        offsets = [0] * (PARTITIONS + 2)
        out = []
        for appended_at, s, moves in sorted(self.entries, key=lambda e: e[0]):
            partition = _partition(s.session_id, appended_at, moves)
            out.append(Record(s, appended_at, partition, offsets[partition]))
            offsets[partition] += 1
        return out


def _ms(t: datetime) -> datetime:
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def _partition(session_id: str, appended_at: datetime, moves: bool) -> int:
    h = zlib.crc32(session_id.encode())
    return PARTITIONS + h % 2 if moves and appended_at >= GROWN_AT else h % PARTITIONS


def mixed(seed: int = 1, sessions: int = 18, polls: int = 24) -> Scenario:
    rng = random.Random(seed)
    log = _Log()
    for n in range(sessions):
        kind = KINDS[n % len(KINDS)]
        moves = n % 2 == 1  # the reports', the foreign-first and the foreign-later sessions
        county, foreign = COUNTIES[n % len(COUNTIES)], COUNTIES[(n + 3) % len(COUNTIES)]
        platform = PLATFORMS[n % len(PLATFORMS)]
        base = {"platform": platform, "session_id": f"{platform}:mix-{seed}-{n}", "room_id": f"room-{n}",
                "county": county, "special": (None, "launch", "rural", "fashion")[n % 4]}
        # The fast clocks' sessions start last, so that their readings are the newest observed_at.
        begin = START + timedelta(seconds=rng.randint(0, 240) + (300 if kind == "ahead" else 0))
        readings = _readings(rng, base, begin, polls, refunds=n % 4 == 0, ended=n % 5 == 1)
        half = readings[polls // 2].observed_at
        if kind in ("adapter", "ahead", "late_adapter"):
            for i, s in enumerate(r for r in readings if kind != "late_adapter" or r.observed_at >= half):
                # A clock up to 290 s fast (within the bound), its last reading included.
                ahead = kind == "ahead" and (i % 3 == 1 or i == polls - 1)
                delay = (timedelta(seconds=-rng.randint(200, 290)) if ahead
                         else timedelta(milliseconds=rng.randint(50, 3000)))
                log.add(s.observed_at + delay, s, moves)
        mine = [s.model_copy(update={"source": "county_report"}) for s in readings[::4]]
        theirs = [s.model_copy(update={"source": "county_report", "county": foreign, "gmv_fen": s.gmv_fen * 3,
                                       "viewers_online": s.viewers_online + 777}) for s in readings[2::4]]
        if kind == "reports":
            _upload(log, rng, mine, moves)
            _upload(log, rng, mine[: len(mine) // 2], moves, later=timedelta(minutes=20))  # the same rows again
        elif kind == "late_adapter":  # reported while the adapter was not yet connected
            _upload(log, rng, [s for s in mine if s.observed_at < half], moves)
        elif kind == "foreign_first":  # another county reports the first rows, before the session's own
            _upload(log, rng, theirs[:2], moves)
            _upload(log, rng, mine, moves)
        elif kind == "foreign_later":
            _upload(log, rng, mine[:3], moves)
            _upload(log, rng, theirs, moves)
            _upload(log, rng, mine, moves, later=timedelta(minutes=20))
    return Scenario.of_records(log.records())


def _readings(rng: random.Random, base: dict[str, object], begin: datetime, polls: int, refunds: bool,
              ended: bool) -> list[Snapshot]:
    counters = {"viewers_total": 0, "orders": 0, "units_sold": 0, "gmv_fen": 0}
    refund = 0
    out = []
    for i in range(polls):
        for key in counters:
            counters[key] += rng.randint(0, 50 if key != "gmv_fen" else 400_000)
        refund += rng.randint(0, 20_000) if rng.random() < 0.3 else 0
        last = i == polls - 1
        out.append(snapshot(
            **base, observed_at=begin + timedelta(seconds=30 * i, milliseconds=rng.randint(0, 999)),
            status="ended" if ended and last else "live", viewers_online=0 if ended and last else rng.randint(0, 4000),
            products_listed=rng.randint(1, 40), categories=tuple(rng.sample(["agri", "beauty", "other"], k=1)),
            refund_fen=refund if refunds else None, **counters,
        ))
    return out


def _upload(log: _Log, rng: random.Random, rows: list[Snapshot], moves: bool,
            later: timedelta = timedelta(0)) -> None:
    """A county report: its rows appended together, some minutes after the newest row's time."""
    if not rows:
        return
    at = max(s.observed_at for s in rows) + timedelta(seconds=rng.randint(60, 240)) + later
    for i, s in enumerate(rows):
        log.add(at + timedelta(milliseconds=i), s, moves)
