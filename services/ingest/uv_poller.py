"""Polls Kuaishou's real-time UV of every configured merchant room and reports the sum per
county as `livefest_ingest_live_viewers{platform="kuaishou",county}`.

Why a gauge and not snapshots: a snapshot needs every counter, and Kuaishou publishes only
this one figure; the rooms' sales come from county reports. A room whose merchant has not
authorised livefest, or whose call fails, is counted (`livefest_ingest_failures_total`)
and left out of that cycle's sums; the others still count.

Quotas (`kuaishou_uv`): the app's (100,000 calls a day across all APIs before launch, the
granted one after) is shared by every room; with `stage = "test_users"` each merchant is
a test user with 2,000 calls of its own. The poll interval follows from both and the
number of rooms (logged at start); a 1017 "Exceed quota limit" answer rests the merchant
(test users) or the whole app until the daily reset, midnight Beijing time.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from services.ingest.adapters.api import AuthRejected, QuotaExhausted, Retryable
from services.ingest.adapters.common import MalformedPayload
from services.ingest.adapters.kuaishou_uv import (
    LAUNCHED_QUOTA,
    TEST_USER_QUOTA,
    UNLAUNCHED_QUOTA,
    App,
    GrantStore,
    UvReader,
)
from services.ingest.budget import Budget
from services.ingest.config import KuaishouUvConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.quota import Quota, poll_interval

log = logging.getLogger(__name__)
PLATFORM = "kuaishou"


def app_of(config: KuaishouUvConfig) -> App:
    return App(config.base_url.rstrip("/"), config.app_key, config.app_secret.get_secret_value(),
               config.sign_secret.get_secret_value())


def app_quota(config: KuaishouUvConfig) -> Quota:
    """The app's quota for its stage; a granted `daily_quota` replaces the documented number."""
    quota = LAUNCHED_QUOTA if config.stage == "launched" else UNLAUNCHED_QUOTA
    return quota.with_daily(config.daily_quota) if config.daily_quota else quota


def now() -> datetime:
    return datetime.now(UTC)


class UvPoller:
    def __init__(self, config: KuaishouUvConfig, http: httpx.AsyncClient, store: GrantStore,
                 metrics: IngestMetrics, clock: Callable[[], datetime] = now) -> None:
        """`clock`: the platform's time, for its quota days (Kuaishou's answers carry no Date
        we rely on: our own clock)."""
        self.config = config
        self.metrics = metrics
        self.app_budget = Budget(PLATFORM, "app", config.app_key, app_quota(config), (), store, metrics, clock)
        self.readers: list[tuple[str, UvReader, Budget | None]] = []
        for index, room in enumerate(config.rooms):
            mine = (Budget(PLATFORM, str(index), room.room_id, TEST_USER_QUOTA, (), store, metrics, clock)
                    if config.stage == "test_users" else None)
            reader = UvReader(app_of(config), room.room_id, http, store, spend=self._spender(mine))
            self.readers.append((room.county, reader, mine))
        self.interval = self._interval()
        log.info("kuaishou real UV: %d room(s); quota %s%s; polling every %.3g s (configured %.3g s)",
                 len(self.readers), self.app_budget.quota.describe(),
                 f", each merchant {TEST_USER_QUOTA.describe()}" if config.stage == "test_users" else "",
                 self.interval, config.poll_seconds, extra={"platform": PLATFORM})

    def _interval(self) -> float:
        interval = poll_interval(self.app_budget.quota, {"*": len(self.readers)}, self.config.poll_seconds)
        if self.config.stage == "test_users":
            interval = poll_interval(TEST_USER_QUOTA, {"*": 1}, interval)
        return interval

    def _spender(self, mine: Budget | None) -> Callable[[], None]:
        def spend() -> None:
            self.app_budget.spend("*")
            if mine is not None:
                mine.spend("*")
        return spend

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.cycle()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass

    async def cycle(self) -> dict[str, int]:
        """Read every room that may be read; set and return the per-county sums of those that answered."""
        sums: dict[str, int] = defaultdict(int)
        if self.app_budget.resting_until() is None:
            reads = [self._read(county, r, b) for county, r, b in self.readers if b is None or not b.resting_until()]
            for county, viewers in await asyncio.gather(*reads):
                if viewers is not None:
                    sums[county] += viewers
        for county, viewers in sums.items():
            self.metrics.live_viewers.labels(PLATFORM, county).set(viewers)
        for budget in [self.app_budget] + [b for _, _, b in self.readers if b is not None]:
            budget.save()
        return dict(sums)

    async def _read(self, county: str, reader: UvReader, mine: Budget | None) -> tuple[str, int | None]:
        try:
            return county, await reader.read()
        except QuotaExhausted as exc:
            (mine or self.app_budget).exhaust(str(exc))
            self.metrics.failures.labels(PLATFORM, exc.reason).inc()
            return county, None
        except (Retryable, MalformedPayload, AuthRejected, httpx.HTTPError) as exc:
            log.warning("kuaishou real UV of %s: %s", reader.merchant, exc)
            self.metrics.failures.labels(PLATFORM, getattr(exc, "reason", "connection")).inc()
            return county, None
