"""The festival's business figures as Prometheus gauges, read from ClickHouse at scrape time,
served only behind the API's key rules: `GET /v1/metrics` (routes/figures_metrics.py).

GMV, orders, units, viewers and sessions by county and platform are the official figures
(contract section 2): a county-scoped key may read its own county's only, so they are not
on the open `/metrics` (deploy/README.md, "Security model"). What the operators need
without a key (is the store readable, how old is the watermark, which platforms have
silent rooms) stays there: festival_health.py.

A custom collector rather than gauges set by a loop: every scrape sees the figures as
ClickHouse holds them at that instant (the same queries' semantics as /v1/totals), and
nothing needs refreshing between scrapes. Labels are county and platform only (9 x 8
series at most per metric); sessions are counted, never labelled. Figures are integers
(fen, counts); Prometheus stores float64, exact up to 2^53, which the contract already
bounds every figure by.
"""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kernel.clickhouse import Store
from services.api import queries

# Figures per (county, platform) at the watermark: the API's own fragments.
FIGURES_BY_COUNTY_PLATFORM = (
    f"SELECT county, platform, {queries.FIGURES} FROM ({queries.SESSIONS_AT_WATERMARK}) GROUP BY county, platform"
)

# (metric name, column, help); all labelled by county and platform.
FIGURES = (
    ("livefest_festival_gmv_fen", "gmv_fen", "Transaction amount (GMV, gross of refunds) in fen, at the watermark."),
    ("livefest_festival_orders", "orders", "Paid orders."),
    ("livefest_festival_units_sold", "units_sold", "Items sold."),
    ("livefest_festival_viewers_cumulative", "viewers_total", "Cumulative viewers (the API's viewers_total)."),
    ("livefest_festival_viewers_online", "viewers_online", "Viewers online in live sessions."),
    ("livefest_festival_sessions", "sessions", "Broadcast sessions seen so far."),
    ("livefest_festival_sessions_live", "sessions_live", "Sessions live at the watermark."),
    ("livefest_festival_refund_fen", "refund_fen", "Refunds in fen, over the sessions whose platform reports them."),
    ("livefest_festival_refund_sessions", "refund_sessions", "Sessions whose newest snapshot reports refunds."),
)


class FestivalFiguresCollector(Collector):
    """The figures of every county, or of `county` only (a county-scoped key). A store
    error propagates: the request answers 503 and Prometheus marks the target down."""

    def __init__(self, store: Store, stale_after_s: int, county: str | None = None) -> None:
        self.store = store
        self.stale_us = stale_after_s * 1_000_000
        self.county = county

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Declared without querying, so registering never touches ClickHouse.
        yield from self._families().values()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = self._families()
        wm, sessions = self.store.rows(queries.WATERMARK)[0]
        if sessions:
            params = {"wm": int(wm), "stale_us": self.stale_us, "county": self.county, "platform": None,
                      "special": None}  # fmt: skip
            for row in self.store.dicts(FIGURES_BY_COUNTY_PLATFORM, params):
                for _, column, _ in FIGURES:
                    families[column].add_metric([row["county"], row["platform"]], row[column])
        yield from families.values()

    @staticmethod
    def _families() -> dict[str, GaugeMetricFamily]:
        return {column: GaugeMetricFamily(name, text, labels=["county", "platform"]) for name, column, text in FIGURES}
