"""Taobao Live (淘宝直播): one room record of `taobao.live.rooms.stats` (figures inline).

Quirks (schemas/platforms/taobao.md): every number is a string, money is a decimal
string of yuan, timestamps are `YYYY-MM-DD HH:MM:SS` Beijing time, `live_status` is a
string code ("0" trailer, "1" live, "2" ended), and counters are **per statistics day**
(`stat_date`): they restart at midnight, so the poller passes the closed days' totals
as `carry` (from `taobao.live.stats.daily`). A refund can make a day's figures negative.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, daily_with, normalize_with

PLATFORM = "taobao"
STATUS = {"0": None, "1": "live", "2": "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="live_status",
    status=STATUS,
    live_id="live_id",
    room_id="room_id",
    observed_at="data_time",
    clock="beijing_text",
    viewers_online="online_num",
    viewers_total="uv",
    orders="pay_order_num",
    units_sold="pay_item_num",
    gmv="pay_amount",
    money="yuan",
    products_listed="item_count",
    categories="categories",
    categories_separator=",",
    daily_counters=True,
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)


def daily(raw: Mapping[str, Any]) -> Carry:
    """A closed day's figures of one session (the poller carries them past midnight)."""
    return daily_with(LAYOUT, raw)
