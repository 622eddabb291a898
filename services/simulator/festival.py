"""A deterministic simulated festival evening, as canonical snapshots. Pure; no I/O.

Rooms follow the plan (../shared/seeds): the launch special's city room and eight county
rooms plus stall rooms, rural-special rooms from the county e-commerce parks, fashion
rooms, and ordinary merchant broadcasts. Each session is polled every few seconds of
event time; counters are session-cumulative. A refund lowers the paid orders and items
(a correction) while `gmv_fen` stays 成交金额, gross of refunds, and `refund_fen`
(退款金额) grows, as the back offices count them (contract 1.1).
"""

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from kernel.timeutil import SHANGHAI
from schemas.snapshot import CATEGORIES, COUNTIES, PLATFORMS, Snapshot

DEFAULT_START = datetime(2021, 10, 23, 19, 0, tzinfo=SHANGHAI)

_SPECIAL_CATEGORIES = {
    "launch": (
        "agri",
        "apparel",
        "furniture",
        "beauty",
        "jewelry",
        "appliance",
        "electronics",
        "auto",
    ),
    "rural": ("agri", "travel", "other"),
    "fashion": ("apparel", "beauty", "travel", "other"),
    None: CATEGORIES,
}


@dataclass(frozen=True)
class SessionPlan:
    session_id: str
    room_id: str
    platform: str
    county: str
    special: str | None
    starts: datetime
    ends: datetime
    poll_seconds: int
    categories: tuple[str, ...]
    price_fen: int  # average price of one item
    audience: int  # typical online viewers
    # A Douyin room whose merchant has a Qianchuan advertiser account that authorised
    # livefest: read through Qianchuan's API (services/simulator/platforms/qianchuan.py).
    qianchuan: bool = False


@dataclass(frozen=True)
class Festival:
    """`rooms` sessions over `duration` of event time from `start`, fixed by `seed`."""

    seed: int = 2021
    rooms: int = 90
    start: datetime = DEFAULT_START
    duration: timedelta = timedelta(hours=3)

    def sessions(self) -> list[SessionPlan]:
        rng = random.Random(self.seed)
        return [self._plan(rng, index) for index in range(self.rooms)]

    def _plan(self, rng: random.Random, index: int) -> SessionPlan:
        # The first nine rooms are the launch special's main rooms: the city's and one per county.
        if index < len(COUNTIES):
            county, special, platform = COUNTIES[index], "launch", "douyin"
        else:
            county = rng.choice(COUNTIES)
            special = rng.choice(("launch", "rural", "fashion", None, None))
            platform = rng.choice(PLATFORMS)
        span = self.duration.total_seconds()
        begin = rng.uniform(0, span * 0.4) if index >= len(COUNTIES) else rng.uniform(0, 120)
        length = rng.uniform(span * 0.3, span - begin)
        pool = _SPECIAL_CATEGORIES[special]
        categories = tuple(sorted(rng.sample(pool, k=rng.randint(1, min(3, len(pool))))))
        return SessionPlan(
            session_id=f"{platform}:{self.seed}-{index:05d}",
            room_id=f"{platform}-room-{county}-{index:05d}",
            platform=platform,
            county=county,
            special=special,
            starts=self.start + timedelta(seconds=round(begin)),
            ends=self.start + timedelta(seconds=round(begin + length)),
            poll_seconds=rng.choice((2, 3, 3, 4, 5)),
            categories=categories,
            price_fen=rng.randint(990, 29_900),
            audience=rng.randint(50, 20_000),
        )

    def snapshots(self) -> Iterator[Snapshot]:
        """Every snapshot of every session, in `observed_at` order."""
        return merged(self.sessions(), self.seed)


def merged(plans: list[SessionPlan], seed: int) -> Iterator[Snapshot]:
    """Every snapshot of the sessions `plans`, in `observed_at` order."""
    streams = [session_snapshots(plan, seed) for plan in plans]
    pending = [(next(stream), n) for n, stream in enumerate(streams)]
    # A k-way merge: sessions are long, so keep one pending snapshot per session.
    heap = [(s.observed_at, n, s) for s, n in pending]
    heapq.heapify(heap)
    while heap:
        _, n, snapshot = heapq.heappop(heap)
        yield snapshot
        following = next(streams[n], None)
        if following is not None:
            heapq.heappush(heap, (following.observed_at, n, following))


def session_snapshots(plan: SessionPlan, seed: int) -> Iterator[Snapshot]:
    """One session's snapshots, one per `poll_seconds` of event time, the last one `ended`."""
    rng = random.Random(f"{seed}/{plan.session_id}")
    viewers_total = orders = units = gmv = refunds = 0
    online = 0
    products = rng.randint(5, 40)
    at = plan.starts
    while True:
        ended = at >= plan.ends
        online = (
            0
            if ended
            else max(0, int(online + rng.gauss(plan.audience * 0.05, plan.audience * 0.1)))
        )
        online = min(online, plan.audience * 3)
        viewers_total += rng.randint(0, max(1, online // 20))
        new_orders = rng.randint(0, max(1, online // 4000))
        orders += new_orders
        new_units = new_orders + rng.randint(0, new_orders)
        units += new_units
        gmv += new_units * plan.price_fen + rng.randint(0, 99) * new_units
        if orders and rng.random() < 0.02:  # a refund: orders and items corrected downward
            refunded = rng.randint(1, min(3, orders))
            orders -= refunded
            units = max(0, units - refunded)
            refunds = min(gmv, refunds + refunded * plan.price_fen)
        if rng.random() < 0.05:
            products = max(1, products + rng.randint(-3, 5))
        yield Snapshot.model_validate(
            {
                "schema": "livefest.snapshot.v1",
                "platform": plan.platform,
                "session_id": plan.session_id,
                "room_id": plan.room_id,
                "county": plan.county,
                "special": plan.special,
                "observed_at": at,
                "status": "ended" if ended else "live",
                "viewers_online": online,
                "viewers_total": viewers_total,
                "orders": orders,
                "units_sold": units,
                "gmv_fen": gmv,
                "refund_fen": refunds,
                "products_listed": products,
                "categories": plan.categories,
            },
            strict=False,
        )
        if ended:
            return
        at += timedelta(seconds=plan.poll_seconds)
