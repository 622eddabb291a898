"""Douyin e-commerce (抖音电商): one room's figures from `GET /api/live/room_data`.

Quirks (schemas/platforms/douyin.md): money is integer fen, timestamps are unix
seconds, `room_status` is a code (1 trailer, no session yet; 2 live; 4 ended), figures
are session-cumulative and revised downward after refunds, categories are Chinese names.
Also reads the hashtag statistics of the festival topic (`topic_stats`).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.platforms import DOUYIN_ACTIVITIES
from schemas.snapshot import Snapshot
from schemas.topic_stats import TOPIC_STATS_SCHEMA_ID, TopicStats
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    MalformedPayload,
    from_unix_seconds,
    integer,
    need,
)
from services.ingest.adapters.layout import Layout, normalize_with

PLATFORM = "douyin"
STATUS = {1: None, 2: "live", 4: "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="room_status",
    status=STATUS,
    live_id="live_id",
    room_id="room_id",
    observed_at="stat_time",
    clock="unix_seconds",
    viewers_online="online_user_cnt",
    viewers_total="total_watch_ucnt",
    orders="pay_order_cnt",
    units_sold="pay_item_cnt",
    gmv="pay_amount",
    money="fen",
    products_listed="product_cnt",
    categories="product_categories",
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)


def topic_stats(raw: Mapping[str, Any]) -> list[TopicStats]:
    """`data` of a topic/stats answer -> one cumulative reading per special."""
    observed_at = from_unix_seconds(need(raw, "update_time"), "update_time")
    hashtag = need(raw, "hashtag")
    activities = need(raw, "activities")
    if not isinstance(activities, list):
        raise MalformedPayload("activities is not a list")
    readings = []
    for activity in activities:
        name = need(activity, "activity")
        if name not in DOUYIN_ACTIVITIES:
            raise MalformedPayload(f"unknown activity {name!r}", "unknown_activity")
        readings.append(
            TopicStats.model_validate(
                {
                    "schema": TOPIC_STATS_SCHEMA_ID,
                    "platform": PLATFORM,
                    "topic": hashtag,
                    "special": DOUYIN_ACTIVITIES[name],
                    "observed_at": observed_at,
                    "reads": integer(need(activity, "view_cnt"), "view_cnt"),
                },
                strict=False,
            )
        )
    return readings
