"""The festival's operational gauges on the open `/metrics`: no figure of any county.

Whether ClickHouse answered (`scrape_ok`), how long reading took, the watermark (event
time, what "are figures flowing" alerts need) and the silent live sessions by platform
(rooms no adapter reports: an operations problem, not a sales figure). The business
figures are behind the key rules: business.py.

`/metrics` is open to anyone who reaches the API, so a scrape must cost no ClickHouse
query (200 anonymous scrapes at once once made a keyed /v1/totals 90 times slower). Both
gauges depend only on what the tables hold (the watermark is event time), so they change
only with the write generation (generation.py): the API's generation watcher reads them
once per generation (`FestivalHealth.follow`) and every scrape serves that reading. A
reading that failed is tried again on a later poll, at most every RETRY_S. Without a
watcher (an app served without its lifespan, tests) the collector reads at each scrape.
"""

import asyncio
import logging
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import anyio
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from schemas.snapshot import PLATFORMS
from services.api import queries
from services.api.generation import Generations

log = logging.getLogger(__name__)

# Sessions whose newest snapshot says `live` but which have been silent for longer than
# the freshness window: a room the adapters lost. Sessions silent beyond the horizon are
# left out so that a room abandoned yesterday does not page the operators forever.
SILENT_BY_PLATFORM = """
    SELECT platform, toInt64(count()) AS silent
    FROM session_latest
    WHERE status = 'live'
      AND {wm:Int64} - toUnixTimestamp64Micro(observed_at) > {stale_us:Int64}
      AND {wm:Int64} - toUnixTimestamp64Micro(observed_at) <= {horizon_us:Int64}
    GROUP BY platform
"""

SILENT_HORIZON_S = 6 * 3600
RETRY_S = 5.0  # a failed reading is tried again no sooner than this


@dataclass(frozen=True)
class Reading:
    """The gauges as read once: `watermark_s` None before the first snapshot."""

    watermark_s: float | None
    silent: dict[str, int] = field(default_factory=dict)
    took_s: float = 0.0


def read(store: Store, stale_after_s: int) -> Reading:
    """The gauges as ClickHouse holds them now (two queries); StoreError/StoreUnavailable propagate."""
    started = time.perf_counter()
    wm, sessions = store.rows(queries.WATERMARK)[0]
    if not sessions:
        return Reading(None, {}, time.perf_counter() - started)
    params: dict[str, Any] = {"wm": int(wm), "stale_us": stale_after_s * 1_000_000,
                              "horizon_us": SILENT_HORIZON_S * 1_000_000}  # fmt: skip
    silent = {row["platform"]: row["silent"] for row in store.dicts(SILENT_BY_PLATFORM, params)}
    return Reading(int(wm) / 1_000_000, silent, time.perf_counter() - started)


class FestivalHealth:
    """The last reading of the gauges, taken once per write generation."""

    def __init__(self, store: Store, stale_after_s: int) -> None:
        self.store = store
        self.stale_after_s = stale_after_s
        self.reading: Reading | None = None  # None: not read yet, or the last try failed
        self.read_for: str | None = None  # the write generation `reading` belongs to
        self._failed_at = -RETRY_S
        self._task: asyncio.Task[None] | None = None

    async def follow(self, generation: str) -> None:
        """Called by the generation watcher after each poll: read the gauges in the
        background unless this generation's are read (or being read, or just failed)."""
        busy = self._task is not None and not self._task.done()
        if generation == self.read_for or busy or time.monotonic() - self._failed_at < RETRY_S:
            return
        self._task = asyncio.create_task(self._refresh(generation), name="festival-health")

    async def close(self) -> None:
        """Stop a reading under way (the API is stopping)."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _refresh(self, generation: str) -> None:
        try:
            self.reading = await anyio.to_thread.run_sync(read, self.store, self.stale_after_s)
            self.read_for = generation
        except (StoreError, StoreUnavailable) as exc:
            log.warning("festival metrics unavailable: %s", exc)
            self.reading, self._failed_at = None, time.monotonic()


class FestivalHealthCollector(Collector):
    """The gauges on a Prometheus registry. With `health` and its `generations` watched,
    each collect() serves the last reading (no query); otherwise it reads `store` itself."""

    def __init__(self, store: Store, stale_after_s: int, health: FestivalHealth | None = None,
                 generations: Generations | None = None) -> None:  # fmt: skip
        self.store = store
        self.stale_after_s = stale_after_s
        self.health = health
        self.generations = generations

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Declared without querying, so registering never touches ClickHouse.
        yield _ok(0)
        yield from _families(Reading(None)).values()
        yield _took(0.0)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        reading = self._reading()
        if reading is None:
            yield _ok(0)
            return
        yield _ok(1)
        yield from _families(reading).values()
        yield _took(reading.took_s)

    def _reading(self) -> Reading | None:
        if self.health is not None and self.generations is not None and self.generations.watching:
            return None if self.generations.problem is not None else self.health.reading
        try:
            return read(self.store, self.stale_after_s)
        except (StoreError, StoreUnavailable) as exc:
            log.warning("festival metrics unavailable: %s", exc)
            return None


def _ok(value: int) -> GaugeMetricFamily:
    return GaugeMetricFamily("livefest_festival_scrape_ok",
                             "1 when the festival's operational gauges were read from ClickHouse.", value=value)


def _took(seconds: float) -> GaugeMetricFamily:
    return GaugeMetricFamily("livefest_festival_scrape_seconds", "Time the last reading of them took.",
                             value=seconds)  # fmt: skip


def _families(reading: Reading) -> dict[str, GaugeMetricFamily]:
    families = {
        "silent": GaugeMetricFamily(
            "livefest_festival_sessions_silent",
            "Sessions whose newest snapshot is live but older than the freshness window "
            "(120 s) behind the watermark: rooms no adapter is reporting.",
            labels=["platform"],
        ),
        "watermark": GaugeMetricFamily(
            "livefest_festival_watermark_seconds",
            "The watermark: greatest min(observed_at, broker append time) stored in ClickHouse "
            "(unix seconds, event time).",
        ),
    }
    if reading.watermark_s is not None:
        families["watermark"].add_metric([], reading.watermark_s)
    # Every platform, zeros included, so "no silent session" is a value, not an absence.
    for platform in PLATFORMS:
        families["silent"].add_metric([platform], reading.silent.get(platform, 0))
    return families
