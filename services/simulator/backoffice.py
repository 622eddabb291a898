"""The state behind every simulated back office: which session each room shows now,
per-day figures for platforms that count per day, hashtag reads, access tokens, the
deliberate misbehaviour, and the record of every reading handed out (for `/truth`).

Each session's states are the canonical snapshots of the scripted festival
(`ScriptedFestival.ticks`); a room shows the newest one not after the clock's event
time. Platforms render those states in their own dialects (`platforms/`).

A room's back office is its platform's, except for the Douyin rooms read through
Qianchuan (`office_of`): those are served only by the simulated Qianchuan API, never by
the simulator-only Douyin one, so every session is handed out by exactly one back office.
"""

import random
import secrets
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from kernel.timeutil import SHANGHAI
from schemas.snapshot import Snapshot
from schemas.topic_stats import HASHTAG_TARGETS
from services.simulator import truth
from services.simulator.clock import SimClock, timeline
from services.simulator.festival import SessionPlan
from services.simulator.script import ScriptedFestival

FAULTS = ("rate_limit", "server_error", "slow", "token_expired", "malformed")
# The back offices whose figures include refunds (退款金额): a reading handed out by any
# other carries no `refund_fen`, as its adapter can publish none.
REPORTS_REFUNDS = frozenset({"channels"})


@dataclass(frozen=True)
class Misbehaviour:
    """`rate` of data requests fail on purpose, evenly over `FAULTS`."""

    rate: float = 0.0
    slow_seconds: float = 1.0
    seed: int = 0


def credentials(platform: str, account: str = "") -> tuple[str, str]:
    """The client id and secret the simulated back office of `platform` accepts (for
    platforms where every room is an account, WeChat Channels: those of room `account`)."""
    suffix = f"-{account}" if account else ""
    return f"livefest-{platform}{suffix}", f"sim-secret-{platform}{suffix}"


def office_of(plan: SessionPlan) -> str:
    """The back office that serves the room: its platform's, or Qianchuan for Douyin rooms
    whose merchant authorised livefest there."""
    return "qianchuan" if plan.qianchuan else plan.platform


def platform_room_id(plan: SessionPlan) -> str:
    """The room's id as its platform writes it (mini-program live rooms are numbered)."""
    return str(int(plan.room_id[-4:])) if plan.platform == "miniprogram" else plan.room_id


def live_id(plan: SessionPlan) -> str:
    """The platform's own id of the session (the contract's id is `<platform>:<this>`)."""
    return plan.session_id.split(":", 1)[1]


@dataclass(frozen=True)
class Counters:
    """A session's four counters at some moment, or their change over a span (a day)."""

    viewers_total: int = 0
    orders: int = 0
    units_sold: int = 0
    gmv_fen: int = 0


def counters(snapshot: Snapshot | None) -> Counters:
    if snapshot is None:
        return Counters()
    return Counters(snapshot.viewers_total, snapshot.orders, snapshot.units_sold, snapshot.gmv_fen)


def minus(a: Counters, b: Counters) -> Counters:
    return Counters(
        a.viewers_total - b.viewers_total, a.orders - b.orders, a.units_sold - b.units_sold, a.gmv_fen - b.gmv_fen
    )


def day_of(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


@dataclass
class BackOffice:
    festival: ScriptedFestival
    speed: float
    misbehaviour: Misbehaviour = field(default_factory=Misbehaviour)
    token_ttl_s: float = 600.0
    # Accounts (client ids) that have not granted the live dashboard permission (WeChat 48001).
    no_permission: frozenset[str] = frozenset()
    # Daily call quotas (a Beijing day of the clock): each WeChat API per account (generous:
    # a replayed festival's day passes in minutes), the kwaixiaodian app (before launch)
    # and, when set, each test user; Qianchuan's per-developer calls a second per API.
    wechat_daily_quota: int = 1_000_000
    kuaishou_app_quota: int = 100_000
    kuaishou_user_quota: int | None = None
    qianchuan_qps: float | None = None

    def __post_init__(self) -> None:
        self.clock = SimClock(timeline((p.starts, p.ends) for p in self.festival.plans), self.speed)
        self.ticks = self.festival.ticks
        self._times = {sid: [s.observed_at for s in states] for sid, states in self.ticks.items()}
        self._lock = threading.Lock()
        self._served: dict[tuple[str, datetime], Snapshot] = {}
        self._tokens: dict[str, tuple[str, str, float]] = {}  # token -> (platform, account, wall expiry)
        self._rng = random.Random(self.misbehaviour.seed)
        self._faults: dict[str, int] = {}  # fault -> how many were planned (GET /faults)
        self.by_room = {p.room_id: p for p in self.festival.plans}
        self.by_live = {live_id(p): p for p in self.festival.plans}
        self._reads = _topic_plan(self.festival)

    # --- rooms and their states -------------------------------------------------
    def plan(self, office: str, *, room: str | None = None, live: str | None = None) -> SessionPlan | None:
        """The session of a room (or live) that back office `office` serves (see `office_of`)."""
        found = self.by_room.get(room or "") if room is not None else self.by_live.get(live or "")
        return found if found is not None and office_of(found) == office else None

    def rooms(self, office: str) -> list[SessionPlan]:
        return sorted((p for p in self.festival.plans if office_of(p) == office), key=lambda p: p.room_id)

    def state(self, plan: SessionPlan, now: datetime | None = None) -> Snapshot | None:
        """The session's newest state not after `now`; None before it starts."""
        now = now or self.clock.now()
        index = bisect_right(self._times[plan.session_id], now)
        return self.ticks[plan.session_id][index - 1] if index else None

    def day_base(self, plan: SessionPlan, instant: datetime) -> Counters:
        """The session's counters at the end of the day before `instant`'s day (Beijing time)."""
        cutoff = midnight(day_of(instant))
        index = bisect_right(self._times[plan.session_id], cutoff - timedelta(microseconds=1))
        return counters(self.ticks[plan.session_id][index - 1] if index else None)

    def today(self, plan: SessionPlan, snapshot: Snapshot) -> Counters:
        """What a per-day back office shows: the counters since the snapshot's midnight."""
        return minus(counters(snapshot), self.day_base(plan, snapshot.observed_at))

    def closed_day(self, plan: SessionPlan, day: date) -> Counters | None:
        """A day's final figures of the session, once that day is over (None before)."""
        now = self.clock.now()
        if day >= day_of(now):
            return None
        end = midnight(day + timedelta(days=1))
        return minus(self.day_base(plan, end), self.day_base(plan, midnight(day)))

    def topic_reads(self, now: datetime | None = None) -> dict[str, int]:
        now = now or self.clock.now()
        return {special: plan.reads_at(now) for special, plan in self._reads.items()}

    # --- tokens and misbehaviour ------------------------------------------------
    def issue_token(self, platform: str, account: str = "") -> tuple[str, float]:
        token = secrets.token_hex(12)
        with self._lock:
            self._tokens[token] = (platform, account, time.monotonic() + self.token_ttl_s)
        return token, self.token_ttl_s

    def token_ok(self, platform: str, token: str | None) -> bool:
        return self.token_account(platform, token) is not None

    def token_account(self, platform: str, token: str | None) -> str | None:
        """The account a valid token of `platform` was issued to ("" for platform-wide), else None."""
        with self._lock:
            entry = self._tokens.get(token or "")
        if entry is None or entry[0] != platform or entry[2] <= time.monotonic():
            return None
        return entry[1]

    def token_left(self, platform: str, token: str | None) -> float | None:
        """Seconds a valid token of `platform` has left, else None."""
        with self._lock:
            entry = self._tokens.get(token or "")
        left = entry[2] - time.monotonic() if entry is not None and entry[0] == platform else 0.0
        return left if left > 0 else None

    def revoke(self, token: str | None) -> None:
        with self._lock:
            self._tokens.pop(token or "", None)

    def fault(self) -> str | None:
        with self._lock:
            if self._rng.random() >= self.misbehaviour.rate:
                return None
            fault = self._rng.choice(FAULTS)
            self._faults[fault] = self._faults.get(fault, 0) + 1
            return fault

    def faults(self) -> dict[str, int]:
        """How many of each fault were planned so far (every one is answered)."""
        with self._lock:
            return {fault: self._faults.get(fault, 0) for fault in FAULTS}

    def coin(self) -> float:
        with self._lock:
            return self._rng.random()

    # --- truth --------------------------------------------------------------------
    def served(self, snapshots: list[Snapshot]) -> None:
        """Record readings handed out (refunds only from back offices that report them)."""
        with self._lock:
            for s in snapshots:
                if s.refund_fen is not None and s.platform not in REPORTS_REFUNDS:
                    s = s.model_copy(update={"refund_fen": None})
                self._served[(s.session_id, s.observed_at)] = s

    def truth(self) -> dict[str, Any]:
        with self._lock:
            served = list(self._served.values())
        now = self.clock.now()
        return truth.truth(served, self.topic_reads(now), now, self.clock.finished)


@dataclass(frozen=True)
class TopicPlan:
    begin: datetime
    end: datetime
    final: int

    def reads_at(self, now: datetime) -> int:
        span = (self.end - self.begin).total_seconds()
        done = min(1.0, max(0.0, (now - self.begin).total_seconds() / span)) if span > 0 else 1.0
        return int(self.final * done)


def _topic_plan(festival: ScriptedFestival) -> dict[str, TopicPlan]:
    """Reads of #粤贸全国云上清远 grow through each special's broadcasts to 80-150 % of its target."""
    rng = random.Random(f"{festival.seed}/topic")
    plans = {}
    for special, target in HASHTAG_TARGETS.items():
        mine = [p for p in festival.plans if p.special == special]
        if mine:
            begin, end = min(p.starts for p in mine), max(p.ends for p in mine)
            plans[special] = TopicPlan(begin, end, int(target * rng.uniform(0.8, 1.5)))
    return plans
