"""Yizhibo (一直播): one item of `GET /open/live/list` (figures inline in the room list).

Quirks (schemas/platforms/yizhibo.md): counts are strings, money is a JSON float of
yuan (`amount`, read exactly through its decimal text), timestamps are
`YYYY-MM-DD HH:MM:SS` Beijing time, `status` is a string code ("0" trailer, "10" live,
"20" ended), categories are one `|`-separated string; figures are session-cumulative.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, normalize_with

PLATFORM = "yizhibo"
STATUS = {"0": None, "10": "live", "20": "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="status",
    status=STATUS,
    live_id="scid",
    room_id="memberid",
    observed_at="stat_time",
    clock="beijing_text",
    viewers_online="online",
    viewers_total="viewers",
    orders="orders",
    units_sold="goods_sold",
    gmv="amount",
    money="yuan",
    products_listed="goods_total",
    categories="category",
    categories_separator="|",
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)
