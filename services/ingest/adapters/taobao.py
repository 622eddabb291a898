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
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    build,
    fen_from_yuan,
    from_beijing_text,
    integer,
    need,
    split_names,
    status_from,
)

PLATFORM = "taobao"
STATUS = {"0": None, "1": "live", "2": "ended"}


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
        room_id=need(raw, "room_id"),
        room=room,
        observed_at=from_beijing_text(need(raw, "data_time"), "data_time"),
        status=status,
        viewers_online=integer(need(raw, "online_num"), "online_num"),
        viewers_total=integer(need(raw, "uv"), "uv", signed=True),
        orders=integer(need(raw, "pay_order_num"), "pay_order_num", signed=True),
        units_sold=integer(need(raw, "pay_item_num"), "pay_item_num", signed=True),
        gmv_fen=fen_from_yuan(need(raw, "pay_amount"), "pay_amount", signed=True),
        products_listed=integer(need(raw, "item_count"), "item_count"),
        category_codes=split_names(need(raw, "categories"), ",", "categories"),
        carry=carry,
        polled_at=polled_at,
    )


def daily(raw: Mapping[str, Any]) -> Carry:
    """A closed day's figures of one session (`taobao.live.stats.daily`)."""
    return Carry(
        viewers_total=integer(need(raw, "uv"), "uv", signed=True),
        orders=integer(need(raw, "pay_order_num"), "pay_order_num", signed=True),
        units_sold=integer(need(raw, "pay_item_num"), "pay_item_num", signed=True),
        gmv_fen=fen_from_yuan(need(raw, "pay_amount"), "pay_amount", signed=True),
    )
