"""Every metric the API exports, declared once. Route labels are templates, never ids."""

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Histogram


@dataclass(frozen=True)
class ApiMetrics:
    request_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> "ApiMetrics":
        return cls(
            request_seconds=Histogram(
                "livefest_api_request_seconds",
                "API request latency by route template and status class.",
                ["route", "status"],
                registry=registry,
            )
        )
