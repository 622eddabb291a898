"""Snapshot -> the row inserted into the `snapshots` table (migration 0001). Pure."""

from datetime import UTC, datetime

from schemas.snapshot import Snapshot

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
)


def snapshot_row(
    snapshot: Snapshot, partition: int, offset: int, received_at: datetime
) -> tuple[object, ...]:
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
    )
