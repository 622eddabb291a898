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
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, daily_with, normalize_with

PLATFORM = "channels"
STATUS = {101: "live", 102: None, 103: "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="live_status",
    status=STATUS,
    live_id="live_id",
    room_id="export_id",
    observed_at="update_time",
    clock="unix_seconds",
    viewers_online="online_cnt",
    viewers_total="watch_uv",
    orders="order_cnt",
    units_sold="product_cnt_sold",
    gmv="gmv",
    money="fen",
    products_listed="product_list_cnt",
    categories="categories",
    daily_counters=True,
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)


def daily(raw: Mapping[str, Any]) -> Carry:
    """A closed day's figures of one session (the poller carries them past midnight)."""
    return daily_with(LAYOUT, raw)
