"""Events -> the rows inserted into `snapshots` (migrations 0001, 0008) and `topic_stats` (0005). Pure."""

from datetime import UTC, datetime

from kernel.semantics import lane
from schemas.snapshot import Snapshot
from schemas.topic_stats import TopicStats

SNAPSHOT_COLUMNS = (
    "session_id",
    "observed_at",
    "kafka_partition",
    "kafka_offset",
    "platform",
    "room_id",
    "county",
    "special",
    "status",
    "viewers_online",
    "viewers_total",
    "orders",
    "units_sold",
    "gmv_fen",
    "products_listed",
    "categories",
    "polled_at",
    "received_at",
    "appended_at",
    "source",
    "refund_fen",
    "lane",
)


def snapshot_row(
    snapshot: Snapshot, partition: int, offset: int, received_at: datetime, *, appended_at: datetime
) -> tuple[object, ...]:
    """The stored row of a snapshot read at (partition, offset), which the broker appended at
    `appended_at` (the record's timestamp: LogAppendTime). `lane` is the ownership lane
    (kernel.semantics.lane): the store keys its derived state by (session_id, lane)."""
    return (
        snapshot.session_id,
        snapshot.observed_at.astimezone(UTC),
        partition,
        offset,
        snapshot.platform,
        snapshot.room_id,
        snapshot.county,
        snapshot.special or "",
        snapshot.status,
        snapshot.viewers_online,
        snapshot.viewers_total,
        snapshot.orders,
        snapshot.units_sold,
        snapshot.gmv_fen,
        snapshot.products_listed,
        list(snapshot.categories),
        snapshot.polled_at.astimezone(UTC) if snapshot.polled_at else None,
        received_at,
        appended_at.astimezone(UTC),
        snapshot.source,
        snapshot.refund_fen,
        lane(snapshot),
    )


TOPIC_STATS_COLUMNS = (
    "platform",
    "topic",
    "special",
    "observed_at",
    "kafka_partition",
    "kafka_offset",
    "reads",
    "received_at",
)


def topic_stats_row(
    stats: TopicStats, partition: int, offset: int, received_at: datetime
) -> tuple[object, ...]:
    """TopicStats -> the row inserted into the `topic_stats` table (migration 0005)."""
    return (
        stats.platform,
        stats.topic,
        stats.special,
        stats.observed_at.astimezone(UTC),
        partition,
        offset,
        stats.reads,
        received_at,
    )
