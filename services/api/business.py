"""Festival figures as Prometheus gauges, read from ClickHouse at scrape time.

A custom collector rather than gauges set by a loop: every scrape sees the figures as
ClickHouse holds them at that instant (the same queries' semantics as /v1/totals), and
nothing needs refreshing between scrapes. Labels are county and platform only (9 x 8
series at most per metric); sessions are counted, never labelled.

Figures are integers (fen, counts); Prometheus stores float64, exact up to 2^53, which
the contract already bounds every figure by.
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

# Figures per (county, platform) at the watermark: the API's own fragments, unfiltered.
FIGURES_BY_COUNTY_PLATFORM = (
    f"SELECT county, platform, {queries.FIGURES} FROM ({queries.SESSIONS_AT_WATERMARK}) GROUP BY county, platform"
)
UNFILTERED = {"county": None, "platform": None, "special": None}

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

# (metric name, column, help); all labelled by county and platform.
FIGURES = (
    ("livefest_festival_gmv_fen", "gmv_fen", "Transaction amount (GMV) in fen, at the watermark."),
    ("livefest_festival_orders", "orders", "Paid orders."),
    ("livefest_festival_units_sold", "units_sold", "Items sold."),
    ("livefest_festival_viewers_cumulative", "viewers_total", "Cumulative viewers (the API's viewers_total)."),
    ("livefest_festival_viewers_online", "viewers_online", "Viewers online in live sessions."),
    ("livefest_festival_sessions", "sessions", "Broadcast sessions seen so far."),
    ("livefest_festival_sessions_live", "sessions_live", "Sessions live at the watermark."),
)


class FestivalCollector(Collector):
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

    def _families(self) -> dict[str, GaugeMetricFamily]:
        families = {
            column: GaugeMetricFamily(name, text, labels=["county", "platform"])
            for name, column, text in FIGURES
        }
        families["silent"] = GaugeMetricFamily(
            "livefest_festival_sessions_silent",
            "Sessions whose newest snapshot is live but older than the freshness window "
            "(120 s) behind the watermark: rooms no adapter is reporting.",
            labels=["platform"],
        )
        families["watermark"] = GaugeMetricFamily(
            "livefest_festival_watermark_seconds",
            "Greatest observed_at stored in ClickHouse (unix seconds, event time).",
        )
        return families

    def _fill(self, families: dict[str, GaugeMetricFamily]) -> None:
        wm, sessions = self.store.rows(queries.WATERMARK)[0]
        silent: dict[str, int] = {}
        if sessions:
            params: dict[str, Any] = {
                "wm": int(wm),
                "stale_us": self.stale_us,
                "horizon_us": SILENT_HORIZON_S * 1_000_000,
                **UNFILTERED,
            }
            families["watermark"].add_metric([], int(wm) / 1_000_000)
            for row in self.store.dicts(FIGURES_BY_COUNTY_PLATFORM, params):
                for _, column, _ in FIGURES:
                    families[column].add_metric([row["county"], row["platform"]], row[column])
            silent = {row["platform"]: row["silent"] for row in self.store.dicts(SILENT_BY_PLATFORM, params)}
        # Every platform, zeros included, so "no silent session" is a value, not an absence.
        for platform in PLATFORMS:
            families["silent"].add_metric([platform], silent.get(platform, 0))
