"""The festival's operational gauges on the open `/metrics`: no figure of any county.

Whether ClickHouse answered (`scrape_ok`), how long reading took, the watermark (event
time, what "are figures flowing" alerts need) and the silent live sessions by platform
(rooms no adapter reports: an operations problem, not a sales figure). The business
figures are behind the key rules: business.py.
"""

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from schemas.snapshot import PLATFORMS
from services.api import queries

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


class FestivalHealthCollector(Collector):
    """Registered on the API's registry by `create_app`; queries run on every collect()."""

    def __init__(self, store: Store, stale_after_s: int) -> None:
        self.store = store
        self.stale_us = stale_after_s * 1_000_000

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Declared without querying, so registering never touches ClickHouse.
        yield self._ok(0)
        yield from self._families().values()
        yield self._took(0.0)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        started = time.perf_counter()
        families = self._families()
        try:
            self._fill(families)
        except (StoreError, StoreUnavailable) as exc:
            log.warning("festival metrics unavailable: %s", exc)
            yield self._ok(0)
            return
        yield self._ok(1)
        yield from families.values()
        yield self._took(time.perf_counter() - started)

    @staticmethod
    def _ok(value: int) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "livefest_festival_scrape_ok", "1 when the festival figures were read from ClickHouse.", value=value
        )

    @staticmethod
    def _took(seconds: float) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "livefest_festival_scrape_seconds", "Time spent reading the festival figures.", value=seconds
        )

    @staticmethod
    def _families() -> dict[str, GaugeMetricFamily]:
        return {
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

    def _fill(self, families: dict[str, GaugeMetricFamily]) -> None:
        wm, sessions = self.store.rows(queries.WATERMARK)[0]
        silent: dict[str, int] = {}
        if sessions:
            params: dict[str, Any] = {"wm": int(wm), "stale_us": self.stale_us,
                                      "horizon_us": SILENT_HORIZON_S * 1_000_000}  # fmt: skip
            families["watermark"].add_metric([], int(wm) / 1_000_000)
            silent = {row["platform"]: row["silent"] for row in self.store.dicts(SILENT_BY_PLATFORM, params)}
        # Every platform, zeros included, so "no silent session" is a value, not an absence.
        for platform in PLATFORMS:
            families["silent"].add_metric([platform], silent.get(platform, 0))
