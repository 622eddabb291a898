"""Every metric the aggregator exports, declared once (catalogue: deploy/METRICS.md).

Labels are bounded: `reason` (services/aggregator/decode.py REASONS) and `partition`
(the snapshot topic's partition count). batch_size, write_seconds, write_errors and
last_write cover both writers (snapshots and hashtag readings).
"""

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class AggregatorMetrics:
    consumed: Counter
    rejected: Counter
    late: Counter
    batch_size: Histogram
    write_seconds: Histogram
    write_errors: Counter
    watermark: Gauge
    last_write: Gauge
    consumer_lag: Gauge
    committed_offset: Gauge
    lag_probe_errors: Counter
    partitions_assigned: Gauge
    rebalances: Counter
    topicstats_consumed: Counter
    topicstats_rejected: Counter
    stage_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> "AggregatorMetrics":
        return cls(
            consumed=Counter(
                "livefest_aggregator_snapshots_consumed_total",
                "Snapshot messages read from Kafka (valid and invalid).",
                registry=registry,
            ),
            rejected=Counter(
                "livefest_aggregator_snapshots_rejected_total",
                "Invalid snapshot messages sent to the dead-letter topic, by reason.",
                ["reason"],
                registry=registry,
            ),
            late=Counter(
                "livefest_aggregator_snapshots_late_total",
                "Snapshots older than the watermark by more than the lateness bound "
                "(still stored and counted in every figure).",
                registry=registry,
            ),
            batch_size=Histogram(
                "livefest_aggregator_batch_size",
                "Messages per batch written to ClickHouse.",
                buckets=(1, 10, 100, 500, 1000, 2000, 5000, 10000, 20000),
                registry=registry,
            ),
            write_seconds=Histogram(
                "livefest_aggregator_clickhouse_write_seconds",
                "Time to write one batch to ClickHouse, retries included.",
                registry=registry,
            ),
            write_errors=Counter(
                "livefest_aggregator_clickhouse_write_errors_total",
                "Failed ClickHouse write attempts (each is retried).",
                registry=registry,
            ),
            watermark=Gauge(
                "livefest_aggregator_watermark_seconds",
                "The watermark this worker has seen: greatest min(observed_at, broker append time) (unix seconds).",
                registry=registry,
            ),
            last_write=Gauge(
                "livefest_aggregator_last_write_timestamp_seconds",
                "Wall-clock time of the last successful ClickHouse write.",
                registry=registry,
            ),
            consumer_lag=Gauge(
                "livefest_aggregator_consumer_lag_messages",
                "Messages in a snapshot-topic partition this worker owns that are not yet "
                "committed (end offset minus the group's committed offset).",
                ["partition"],
                registry=registry,
            ),
            committed_offset=Gauge(
                "livefest_aggregator_committed_offset",
                "The group's committed offset in each snapshot-topic partition this worker owns: "
                "it moves only after ClickHouse accepted a batch, so a stuck one means a stalled worker.",
                ["partition"],
                registry=registry,
            ),
            lag_probe_errors=Counter(
                "livefest_aggregator_lag_probe_errors_total",
                "Failed attempts to read the topic's offsets from Kafka (lag and committed offsets go stale).",
                registry=registry,
            ),
            partitions_assigned=Gauge(
                "livefest_aggregator_partitions_assigned",
                "Snapshot-topic partitions currently assigned to this worker.",
                registry=registry,
            ),
            rebalances=Counter(
                "livefest_aggregator_rebalances_total",
                "Partition assignments this worker received (one per rebalance of the group).",
                registry=registry,
            ),
            topicstats_consumed=Counter(
                "livefest_aggregator_topicstats_consumed_total",
                "Hashtag reading messages (livefest.topicstats.v1) read from Kafka (valid and invalid).",
                registry=registry,
            ),
            topicstats_rejected=Counter(
                "livefest_aggregator_topicstats_rejected_total",
                "Invalid hashtag reading messages sent to their dead-letter topic, by reason.",
                ["reason"],
                registry=registry,
            ),
            stage_seconds=Histogram(
                "livefest_aggregator_stage_seconds",
                "Time one batch spends in each stage of the batch path (decode, dead_letters, write, ack), "
                "the time the agent waits for a free write slot before storing it (write_wait) "
                "and for the next delivery once it has nothing to do (delivery_wait), "
                "and each offset commit Faust makes (commit).",
                ["stage"],
                buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
                registry=registry,
            ),
        )
