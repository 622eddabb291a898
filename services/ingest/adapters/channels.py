"""WeChat Channels (视频号): one live's figures from `GET /live/data`.

Quirks (schemas/platforms/channels.md): money is integer fen, timestamps are unix
seconds, the statistics day is a compact `ref_date` (YYYYMMDD), `live_status` is a
WeChat code (101 live, 102 not started, 103 ended), and counters are **per day**: they
restart at midnight, so the poller passes the closed days' totals as `carry` (from
`GET /live/daily`). A refund can make a day's figures negative.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    build,
    categories,
    from_unix_seconds,
    integer,
    need,
    status_from,
)

PLATFORM = "channels"
STATUS = {101: "live", 102: None, 103: "ended"}


def normalize(
    raw: Mapping[str, Any],
    room: Attribution,
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
) -> Snapshot | None:
    status = status_from(need(raw, "live_status"), STATUS, "live_status")
    if status is None:
        return None
    return build(
        platform=PLATFORM,
        live_id=need(raw, "live_id"),
        room_id=need(raw, "export_id"),
        room=room,
        observed_at=from_unix_seconds(need(raw, "update_time"), "update_time"),
        status=status,
        viewers_online=integer(need(raw, "online_cnt"), "online_cnt"),
        viewers_total=integer(need(raw, "watch_uv"), "watch_uv", signed=True),
        orders=integer(need(raw, "order_cnt"), "order_cnt", signed=True),
        units_sold=integer(need(raw, "product_cnt_sold"), "product_cnt_sold", signed=True),
        gmv_fen=integer(need(raw, "gmv"), "gmv", signed=True),
        products_listed=integer(need(raw, "product_list_cnt"), "product_list_cnt"),
        category_codes=categories(need(raw, "categories"), "categories"),
        carry=carry,
        polled_at=polled_at,
    )


def daily(raw: Mapping[str, Any]) -> Carry:
    """A closed day's figures of one live (`GET /live/daily`)."""
    return Carry(
        viewers_total=integer(need(raw, "watch_uv"), "watch_uv", signed=True),
        orders=integer(need(raw, "order_cnt"), "order_cnt", signed=True),
        units_sold=integer(need(raw, "product_cnt_sold"), "product_cnt_sold", signed=True),
        gmv_fen=integer(need(raw, "gmv"), "gmv", signed=True),
    )
