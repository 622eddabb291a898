"""Every metric the API exports, declared once (catalogue: deploy/METRICS.md).

Route labels are templates, never ids. The festival figures (GMV, orders, … by county
and platform) are read from ClickHouse at scrape time by `business.FestivalCollector`,
which `create_app` registers on the same registry.
"""

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Histogram


@dataclass(frozen=True)
class ApiMetrics:
    request_seconds: Histogram
    registry: CollectorRegistry

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> "ApiMetrics":
        return cls(
            request_seconds=Histogram(
                "livefest_api_request_seconds",
                "API request latency by route template and status class.",
                ["route", "status"],
                registry=registry,
            ),
            registry=registry,
        )
