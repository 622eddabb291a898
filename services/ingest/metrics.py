"""Every metric the adapters export, declared once. Labels are bounded: platform and
reason (never session or room ids).

| metric | meaning |
|---|---|
| `livefest_ingest_polls_total{platform}` | poll cycles started |
| `livefest_ingest_failures_total{platform,reason}` | failed requests and unreadable records, by reason |
| `livefest_ingest_snapshots_total{platform}` | new snapshots written to the spool |
| `livefest_ingest_topic_stats_total{platform}` | hashtag readings written to the spool |
| `livefest_ingest_published_total` | spooled messages acknowledged by Kafka |
| `livefest_ingest_delivery_failures_total` | attempts to deliver the spool that failed (broker unreachable, no ack) |
| `livefest_ingest_publish_latency_seconds` | spool -> Kafka acknowledgement |
| `livefest_ingest_spool_depth` | messages waiting in the spool |
| `livefest_ingest_last_success_timestamp_seconds{platform}` | end of the last fully successful poll cycle |
| `livefest_ingest_rooms_on_air{platform}` | configured rooms on air, for status-only platforms (mini-program live) |
| `livefest_ingest_live_viewers{platform,county}` | real-time viewers, where that is all a platform gives (Kuaishou) |
"""

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

FAILURE_REASONS = (
    "rate_limited", "server_error", "timeout", "connection", "token_expired", "auth_rejected",
    "malformed", "not_json", "sub_fen", "unknown_status", "invalid_snapshot", "api_error",
    "unknown_activity", "unattributed", "quota_exhausted", "permission_denied", "list_truncated",
)


@dataclass(frozen=True)
class IngestMetrics:
    polls: Counter
    failures: Counter
    snapshots: Counter
    topic_stats: Counter
    published: Counter
    delivery_failures: Counter
    publish_latency: Histogram
    spool_depth: Gauge
    last_success: Gauge
    rooms_on_air: Gauge
    live_viewers: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> "IngestMetrics":
        return cls(
            polls=Counter("livefest_ingest_polls_total", "Poll cycles started.", ["platform"], registry=registry),
            failures=Counter(
                "livefest_ingest_failures_total",
                "Failed back-office requests and unreadable records, by reason (bounded set).",
                ["platform", "reason"],
                registry=registry,
            ),
            snapshots=Counter(
                "livefest_ingest_snapshots_total", "New snapshots written to the spool.", ["platform"],
                registry=registry,
            ),
            topic_stats=Counter(
                "livefest_ingest_topic_stats_total", "Hashtag topic readings written to the spool.", ["platform"],
                registry=registry,
            ),
            published=Counter(
                "livefest_ingest_published_total", "Spooled messages acknowledged by Kafka.", registry=registry
            ),
            delivery_failures=Counter(
                "livefest_ingest_delivery_failures_total",
                "Attempts to deliver the spool to Kafka that failed (unreachable broker, missing acks).",
                registry=registry,
            ),
            publish_latency=Histogram(
                "livefest_ingest_publish_latency_seconds",
                "Time from writing a message to the spool to Kafka's acknowledgement.",
                buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
                registry=registry,
            ),
            spool_depth=Gauge(
                "livefest_ingest_spool_depth", "Messages in the spool not yet acknowledged by Kafka.",
                registry=registry,
            ),
            last_success=Gauge(
                "livefest_ingest_last_success_timestamp_seconds",
                "Unix time at the end of the platform's last poll cycle without failures.",
                ["platform"],
                registry=registry,
            ),
            rooms_on_air=Gauge(
                "livefest_ingest_rooms_on_air",
                "Configured rooms on air, for platforms whose API gives status only (mini-program live).",
                ["platform"],
                registry=registry,
            ),
            live_viewers=Gauge(
                "livefest_ingest_live_viewers",
                "Real-time viewers of configured rooms, where that is all a platform publishes (Kuaishou real UV).",
                ["platform", "county"],
                registry=registry,
            ),
        )
