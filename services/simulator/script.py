"""The festival plan (../shared/seeds) as a deterministic script of broadcast sessions.

Built on `festival.py` (its `SessionPlan` and per-session snapshot generator), but laid
out on the plan's own calendar instead of one evening:

- `launch`, 23 Oct from 10:00: nine main rooms on Douyin (the city's and one per county,
  where the festival hashtag lives) plus stall rooms (趣摆摊) of county merchants;
- `rural`, 24-30 Oct: one evening broadcast per day from each of the seven county
  e-commerce parks, running across midnight (platforms that count per day restart then);
- `fashion`, 11 Nov: the apparel and beauty main rooms, the roaming travel stream,
  the fashion show and brand rooms;
- ordinary merchant broadcasts (no special) on evenings between 24 Oct and 14 Nov.

The merchants who advertise have a Qianchuan (巨量千川) advertiser account and authorise
livefest: the Douyin main rooms, the fashion rooms and the brand rooms (`QIANCHUAN_KINDS`)
are read through Qianchuan's API; the other Douyin rooms (stalls, parks, ordinary
merchants) through the simulator-only Douyin back office, standing in for their county
reports.

`scale` shrinks every session's length (a 3-hour broadcast lasts 3 h × scale of event
time), so a whole festival can be replayed in minutes; `fitted` picks the scale that
makes the broadcast time (the union of all sessions) about `hours` long.
"""

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property

from kernel.timeutil import SHANGHAI
from schemas.snapshot import COUNTIES, PLATFORMS, Snapshot
from services.simulator.festival import SessionPlan, merged, session_snapshots

LAUNCH_DAY = date(2021, 10, 23)
RURAL_DAYS = tuple(date(2021, 10, d) for d in range(24, 31))
FASHION_DAY = date(2021, 11, 11)
LAST_DAY = date(2021, 11, 14)
# Seven county e-commerce parks host the rural special (the city centre, Qingcheng, hosts the launch).
RURAL_PARKS = ("qingxin", "yingde", "lianzhou", "fogang", "yangshan", "lianshan", "liannan")
LAUNCH_GOODS = ("agri", "apparel", "furniture", "beauty", "jewelry", "appliance", "electronics", "auto")
RURAL_GOODS = ("agri", "travel", "other")
FIXED_ROOMS = len(COUNTIES) + len(RURAL_PARKS) + 4  # main rooms, parks, fashion mains + show
HOUR = 3600.0
QIANCHUAN_KINDS = frozenset({"main", "apparel", "beauty", "travel", "show", "brand"})


def at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI) + timedelta(hours=hour)


@dataclass(frozen=True)
class ScriptedFestival:
    """`rooms` sessions (at least the plan's fixed rooms) laid out on the plan's calendar."""

    seed: int = 2021
    rooms: int = 60
    scale: float = 1.0

    @classmethod
    def fitted(cls, seed: int, rooms: int, hours: float) -> "ScriptedFestival":
        full = cls(seed, rooms, 1.0)
        return cls(seed, rooms, min(1.0, hours * HOUR / full.broadcast_seconds()))

    @cached_property
    def plans(self) -> list[SessionPlan]:
        rng = random.Random(self.seed)
        extra = max(0, self.rooms - FIXED_ROOMS)
        stalls, brands = round(extra * 0.4), round(extra * 0.2)
        kinds: list[tuple[str, str | None, str | None]] = [("main", "launch", c) for c in COUNTIES]
        kinds += [("stall", "launch", None)] * stalls
        kinds += [("park", "rural", c) for c in RURAL_PARKS]
        kinds += [(k, "fashion", "qingcheng") for k in ("apparel", "beauty", "travel", "show")]
        kinds += [("brand", "fashion", None)] * brands
        kinds += [("merchant", None, None)] * (extra - stalls - brands)
        platforms = list(PLATFORMS)
        rng.shuffle(platforms)
        plans = []
        for index, (kind, special, county) in enumerate(kinds):
            # Main rooms are Douyin's (the hashtag lives there); the others cycle through
            # every platform so that each one carries part of the festival.
            platform = "douyin" if kind == "main" else platforms[index % len(platforms)]
            plan = self._plan(rng, index, kind, special, county or rng.choice(COUNTIES), platform)
            plans.append(replace(plan, qianchuan=platform == "douyin" and kind in QIANCHUAN_KINDS))
        return plans

    def _plan(
        self, rng: random.Random, index: int, kind: str, special: str | None, county: str, platform: str
    ) -> SessionPlan:
        starts, hours = self._when(rng, index, kind)
        starts = starts.replace(microsecond=0)  # back offices report whole seconds
        categories = {
            "main": LAUNCH_GOODS, "stall": LAUNCH_GOODS, "park": RURAL_GOODS, "apparel": ("apparel",),
            "beauty": ("beauty",), "travel": ("travel",), "show": ("apparel", "other"),
            "brand": ("apparel", "beauty", "jewelry"),
        }.get(kind, LAUNCH_GOODS + ("travel", "other"))
        chosen = tuple(sorted(rng.sample(categories, k=rng.randint(1, min(3, len(categories))))))
        length = max(60.0, hours * HOUR * self.scale)
        return SessionPlan(
            session_id=f"{platform}:{self.seed}{index:04d}",
            room_id=f"{platform}-{kind}-{county}-{index:04d}",
            platform=platform,
            county=county,
            special=special,
            starts=starts,
            ends=starts + timedelta(seconds=round(length)),
            poll_seconds=rng.choice((2, 3, 3, 4, 5)),
            categories=chosen,
            price_fen=rng.randint(990, 29_900),
            audience=rng.randint(200, 20_000) if kind in ("main", "apparel", "show") else rng.randint(30, 3_000),
        )

    def _when(self, rng: random.Random, index: int, kind: str) -> tuple[datetime, float]:
        """Start and unscaled length (hours). Evening broadcasts straddle midnight."""
        s = self.scale
        if kind == "main":
            return at(LAUNCH_DAY, 10) + timedelta(seconds=rng.randint(0, 120)), rng.uniform(4, 8)
        if kind == "stall":
            return at(LAUNCH_DAY, 10 + rng.uniform(0.5, 3) * s), rng.uniform(1, 4)
        if kind in ("apparel", "beauty", "travel", "show", "brand"):
            return at(FASHION_DAY, 19 + rng.uniform(0, 1) * s), rng.uniform(2, 4)
        hours = rng.uniform(2, 3)
        if kind == "park":
            day = RURAL_DAYS[index % len(RURAL_DAYS)]
            return at(day, 24 - hours * s * rng.uniform(0.3, 0.7)), hours
        day = LAUNCH_DAY + timedelta(days=rng.randint(1, (LAST_DAY - LAUNCH_DAY).days))
        return at(day, 24 - hours * s * rng.uniform(0.2, 1.2)), hours

    @cached_property
    def ticks(self) -> dict[str, list[Snapshot]]:
        """Every session's back-office states (canonical snapshots), oldest first."""
        return {plan.session_id: list(session_snapshots(plan, self.seed)) for plan in self.plans}

    def snapshots(self) -> list[Snapshot]:
        return list(merged(self.plans, self.seed))

    def broadcast_seconds(self) -> float:
        """Length of the union of all sessions (event time in which something is on air)."""
        total, reach = 0.0, None
        for plan in sorted(self.plans, key=lambda p: p.starts):
            begin = plan.starts if reach is None or plan.starts > reach else reach
            if reach is None or plan.ends > reach:
                total += (plan.ends - begin).total_seconds() if plan.ends > begin else 0.0
                reach = plan.ends
        return total
