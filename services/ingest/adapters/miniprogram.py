"""Mini-program shops (小程序直播): one `room_info` item of `getliveinfo` (figures inline).

Quirks (schemas/platforms/miniprogram.md): every number is a string, money is fen as
a string (`sales_fen`), timestamps are unix seconds as a string, `live_status` is a
WeChat code (101 live, 102 not started, 103 ended, 105 paused: still the same live
session, so `live`); figures are session-cumulative and revised downward after refunds.
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

PLATFORM = "miniprogram"
STATUS = {101: "live", 102: None, 103: "ended", 105: "live"}


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
        room_id=need(raw, "roomid"),
        room=room,
        observed_at=from_unix_seconds(need(raw, "stat_time"), "stat_time"),
        status=status,
        viewers_online=integer(need(raw, "online"), "online"),
        viewers_total=integer(need(raw, "pv_uv"), "pv_uv"),
        orders=integer(need(raw, "order_count"), "order_count"),
        units_sold=integer(need(raw, "sales_count"), "sales_count"),
        gmv_fen=integer(need(raw, "sales_fen"), "sales_fen"),
        products_listed=integer(need(raw, "goods_count"), "goods_count"),
        category_codes=categories(need(raw, "goods_categories"), "goods_categories"),
        carry=carry,
        polled_at=polled_at,
    )
