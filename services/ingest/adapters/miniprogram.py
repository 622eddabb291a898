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
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, normalize_with

PLATFORM = "miniprogram"
STATUS = {101: "live", 102: None, 103: "ended", 105: "live"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="live_status",
    status=STATUS,
    live_id="live_id",
    room_id="roomid",
    observed_at="stat_time",
    clock="unix_seconds",
    viewers_online="online",
    viewers_total="pv_uv",
    orders="order_count",
    units_sold="sales_count",
    gmv="sales_fen",
    money="fen",
    products_listed="goods_count",
    categories="goods_categories",
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)
