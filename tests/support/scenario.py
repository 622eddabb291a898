"""Messy snapshot streams for tests, with the truth computed from the contract alone
(kernel.semantics), never from the pipeline."""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from kernel import semantics
from kernel.timeutil import SHANGHAI, rfc3339
from schemas.snapshot import COUNTIES, PLATFORMS, Snapshot
from services.aggregator.rows import snapshot_row
from services.simulator import truth

# Starts 23:50 Shanghai time, so sessions run across midnight into 24 Oct.
START = datetime(2021, 10, 23, 23, 50, tzinfo=SHANGHAI)


def snapshot(**fields: Any) -> Snapshot:
    base: dict[str, Any] = {
        "schema": "livefest.snapshot.v1", "platform": "douyin", "session_id": "douyin:s1",
        "room_id": "room-1", "county": "qingcheng", "special": None, "observed_at": START,
        "status": "live", "viewers_online": 0, "viewers_total": 0, "orders": 0, "units_sold": 0,
        "gmv_fen": 0, "products_listed": 1, "categories": (),
    }
    base.update(fields)
    return Snapshot.model_validate(base, strict=False)


@dataclass
class Scenario:
    snapshots: list[Snapshot] = field(default_factory=list)  # every message, duplicates included, send order
    garbage: list[bytes] = field(default_factory=list)
    # The records as the log holds them (append time, position); None: the snapshots, bare
    # (each appended at its observed_at, offset = its index: kernel.semantics.as_records).
    log: list[semantics.Record] | None = None

    @classmethod
    def of_records(cls, records: list[semantics.Record]) -> "Scenario":
        return cls(snapshots=[r.snapshot for r in records], log=list(records))

    @cached_property
    def records(self) -> list[semantics.Record]:
        return self.log if self.log is not None else semantics.as_records(self.snapshots)

    @cached_property
    def figures(self) -> dict[str, semantics.SessionFigures]:
        return semantics.all_session_figures(self.records)

    @cached_property
    def watermark(self) -> datetime:
        mark = semantics.watermark(self.records)
        assert mark is not None
        return mark


def stored_rows(items: Iterable[Snapshot | semantics.Record], received_at: datetime | None = None,
                first_offset: int = 0) -> list[tuple[object, ...]]:
    """The rows the aggregator writes for these records (bare snapshots as kernel.semantics
    takes them: appended at their observed_at, offset = index, plus `first_offset`)."""
    now = received_at or datetime.now(UTC)
    return [snapshot_row(r.snapshot, r.partition, r.offset + first_offset, now, appended_at=r.appended_at)
            for r in semantics.as_records(items)]


def messy(seed: int = 1, sessions: int = 24, polls: int = 40) -> Scenario:
    """Sessions over ~25 minutes across midnight, with duplicates (exact copies, and copies
    with different figures that supersede the first delivery), shuffled order, late
    snapshots (beyond the 10-minute bound too), downward corrections, ended and stale
    sessions, and malformed messages. Every third session reports refunds (refund_fen, contract
    1.1), and every sixth of those stops reporting them in its last reading (unknown again)."""
    rng = random.Random(seed)
    ordered: list[Snapshot] = []
    for n in range(sessions):
        county = COUNTIES[n % len(COUNTIES)]
        platform = PLATFORMS[n % len(PLATFORMS)]
        special = (None, "launch", "rural", "fashion")[n % 4]
        sid = f"{platform}:test-{seed}-{n}"
        begin = START + timedelta(seconds=rng.randint(0, 300))
        # Every fifth session goes silent early (stale), every fourth ends properly.
        length = polls // 3 if n % 5 == 0 else polls
        counters = {"viewers_total": 0, "orders": 0, "units_sold": 0, "gmv_fen": 0}
        for i in range(length):
            for key in counters:
                counters[key] += rng.randint(0, 50 if key != "gmv_fen" else 500_000)
            if rng.random() < 0.1:  # refund / correction: the platform revises downward
                counters["gmv_fen"] = max(0, counters["gmv_fen"] - rng.randint(1, 300_000))
                counters["orders"] = max(0, counters["orders"] - rng.randint(1, 5))
            ended = n % 4 == 0 and i == length - 1
            # No draw from rng: the other figures stay what each seed always gave.
            refunds = n % 3 == 1 and not (n % 6 == 4 and i == length - 1)
            ordered.append(snapshot(
                refund_fen=counters["gmv_fen"] // 40 + 7 * i if refunds else None,
                platform=platform, session_id=sid, room_id=f"room-{n}", county=county, special=special,
                observed_at=begin + timedelta(seconds=30 * i + rng.randint(0, 999) / 1000),
                status="ended" if ended else "live",
                viewers_online=0 if ended else rng.randint(0, 5000),
                products_listed=rng.randint(1, 60),
                categories=tuple(rng.sample(["agri", "apparel", "beauty", "travel", "other"], k=rng.randint(0, 2))),
                **counters,
            ))
    sent = list(ordered)
    rng.shuffle(sent)  # out of order across and within sessions
    sent.extend(rng.sample(ordered, k=len(ordered) // 10))  # redelivered duplicates
    # The same identity again with other figures (a platform revising a reading it already
    # gave): delivered later, the copy supersedes the first in every figure, peaks,
    # shelf and categories included.
    for s in rng.sample(ordered, k=max(1, len(ordered) // 15)):
        sent.append(s.model_copy(update={
            "viewers_online": 0 if s.status == "ended" else rng.randint(0, 9000),
            "products_listed": rng.randint(1, 90),
            "categories": tuple(rng.sample(["agri", "furniture", "jewelry"], k=rng.randint(0, 2))),
            "gmv_fen": max(0, s.gmv_fen + rng.randint(-200_000, 200_000)),
        }))
    # A few very late snapshots (older than the watermark by more than 10 minutes) arrive last.
    early = sorted(ordered, key=lambda s: s.observed_at)[:5]
    for s in early:
        sent.remove(s)
    sent.extend(early)
    garbage = [
        b"{not json at all",
        b'{"schema": "livefest.snapshot.v1", "platform": "douyin"}',
        snapshot(gmv_fen=10).to_json_bytes().replace(b'"gmv_fen":10', b'"gmv_fen":10.5'),
        b'{"schema": "livefest.snapshot.v2", "session_id": "x"}',
    ]
    return Scenario(snapshots=sent, garbage=garbage)


def expected_totals(figures: dict[str, semantics.SessionFigures], **filters: str | None) -> dict[str, int]:
    def keep(f: semantics.SessionFigures) -> bool:
        return all(
            value is None or getattr(f, name) == (None if value == "none" else value)
            for name, value in filters.items()
        )

    totals = semantics.totals(f for f in figures.values() if keep(f))
    return {
        "gmv_fen": totals.gmv_fen, "orders": totals.orders, "units_sold": totals.units_sold,
        "viewers_total": totals.viewers_total, "viewers_online": totals.viewers_online,
        "sessions": totals.sessions, "sessions_live": totals.sessions_live,
        "refund_fen": totals.refund_fen, "refund_sessions": totals.refund_sessions,
    }


def expected_session(f: semantics.SessionFigures, watermark: datetime) -> dict[str, Any]:
    """The API's session fields, as the simulator's /truth lays them out."""
    return truth.session(f, rfc3339(watermark))
