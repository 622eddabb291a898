"""Every metric the adapters export, declared once (catalogue: deploy/METRICS.md).

Labels are bounded: `platform` (8), `outcome` (`ok`, `failed`) and `reason`
(FAILURE_REASONS) — never a session or room id. A room that keeps failing is counted
per platform (`rooms_failing`) and named in the log, not in a label.

A *poll* is one read of a platform's back office: its room list, one live room's
figures, or its hashtag readings. It is counted once, when it is over, with the outcome
`failed` if it could not be read after the client's retries or what came back was
unreadable. So `polls_total{outcome="failed"} / polls_total` is a share of reads
between 0 and 1, whatever the retries (every attempt is in `failures_total`, by reason).

Two gauges stand in for figures some platforms do not publish: `rooms_on_air` (status-only
platforms, mini-program live) and `live_viewers` (Kuaishou's real-time viewers, by county).

Three follow each credential's call quota (services/ingest/budget.py): what is left of
today's, the day's number, and whether the platform said it is used up. Their
`credential` label is the credential's position in the configuration ("0", "1", …,
named in the start-up log), bounded by the configuration and never an id or a secret.
"""

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

FAILURE_REASONS = (
    "rate_limited", "server_error", "timeout", "connection", "token_expired", "auth_rejected",
    "malformed", "not_json", "sub_fen", "unknown_status", "invalid_snapshot", "api_error",
    "unknown_activity", "unattributed", "quota_exhausted", "permission_denied", "list_truncated",
)
OUTCOMES = ("ok", "failed")


@dataclass(frozen=True)
class IngestMetrics:
    polls: Counter
    failures: Counter
    rooms_failing: Gauge
    snapshots: Counter
    topic_stats: Counter
    published: Counter
    delivery_failures: Counter
    publish_latency: Histogram
    spool_depth: Gauge
    spool_oldest_age: Gauge
    last_success: Gauge
    rooms_on_air: Gauge
    live_viewers: Gauge
    quota_remaining: Gauge
    quota_limit: Gauge
    quota_exhausted: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> "IngestMetrics":
        return cls(
            polls=Counter(
                "livefest_ingest_polls_total",
                "Reads of a platform's back office (room list, one room, hashtag readings), by outcome; "
                "each read counted once, retries included.",
                ["platform", "outcome"],
                registry=registry,
            ),
            failures=Counter(
                "livefest_ingest_failures_total",
                "Failed back-office request attempts (retries included), unreadable records and "
                "unattributed rooms, by reason (bounded set).",
                ["platform", "reason"],
                registry=registry,
            ),
            rooms_failing=Gauge(
                "livefest_ingest_rooms_failing",
                "Configured live rooms whose last 3 reads all failed (their figures are frozen).",
                ["platform"],
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
            spool_oldest_age=Gauge(
                "livefest_ingest_spool_oldest_age_seconds",
                "Age of the oldest message in the spool not yet acknowledged by Kafka (0 when empty), "
                "measured at scrape time.",
                registry=registry,
            ),
            last_success=Gauge(
                "livefest_ingest_last_success_timestamp_seconds",
                "Unix time of the platform's last successful read (any room, the room list or hashtags).",
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
            quota_remaining=Gauge(
                "livefest_ingest_quota_remaining_calls",
                "Calls left of a credential's daily quota (its busiest API where each API counts apart), "
                "until the daily reset at midnight Beijing time.",
                ["platform", "credential"],
                registry=registry,
            ),
            quota_limit=Gauge(
                "livefest_ingest_quota_limit_calls",
                "A credential's daily call quota: the documented number, or the one the platform reports.",
                ["platform", "credential"],
                registry=registry,
            ),
            quota_exhausted=Gauge(
                "livefest_ingest_quota_exhausted",
                "1 while the platform says a credential's daily quota is used up (no calls until the reset or "
                "a cleared quota), else 0.",
                ["platform", "credential"],
                registry=registry,
            ),
        )
