"""Every metric the API exports, declared once (catalogue: deploy/METRICS.md).

Route labels are templates, never ids. The festival's operational gauges (watermark,
silent rooms) are read from ClickHouse at scrape time by `festival_health`, registered on
the same registry; the business figures by county are `business`, on /v1/metrics only.
"""

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

IMPORT_OUTCOMES = ("published", "invalid", "forbidden", "not_delivered")
# Whole uploads (schemas/import_record.py OUTCOMES); labels bounded: mapping is a shipped
# mapping's name, `custom` (the uploader's own) or `none`; county is a key's scope or `open`.
UPLOAD_OUTCOMES = ("published", "invalid", "forbidden", "unreadable", "too_large", "bad_request", "not_delivered")


@dataclass(frozen=True)
class ApiMetrics:
    request_seconds: Histogram
    import_rows: Counter
    imports: Counter
    screen_streams: Gauge
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
            import_rows=Counter(
                "livefest_api_import_rows_total",
                "Rows of county reports uploaded to POST /v1/imports, by outcome (a file is published whole or not).",
                ["outcome"],
                registry=registry,
            ),
            imports=Counter(
                "livefest_api_imports_total",
                "County-report uploads to POST /v1/imports, accepted or refused, by outcome, the mapping the file "
                "was read with (a shipped one, custom, or none) and the uploader's county (its key's scope).",
                ["outcome", "mapping", "county"],
                registry=registry,
            ),
            screen_streams=Gauge(
                "livefest_api_screen_streams",
                "Big screens connected now: open GET /v1/stream connections.",
                registry=registry,
            ),
            registry=registry,
        )
