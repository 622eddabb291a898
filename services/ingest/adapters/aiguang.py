"""Aiguang (爱逛): one item of `GET /api/live/stats` (figures inline in the room list).

Quirks (schemas/platforms/aiguang.md): money is a decimal string of yuan (`gmv`),
timestamps are unix milliseconds, `liveState` is a word (NOTICE, LIVING, FINISHED),
figures are session-cumulative and revised downward after refunds.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, normalize_with

PLATFORM = "aiguang"
STATUS = {"NOTICE": None, "LIVING": "live", "FINISHED": "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="liveState",
    status=STATUS,
    live_id="liveNo",
    room_id="roomNo",
    observed_at="statTimeMs",
    clock="unix_millis",
    viewers_online="onlineUsers",
    viewers_total="totalUsers",
    orders="orders",
    units_sold="units",
    gmv="gmv",
    money="yuan",
    products_listed="goodsNum",
    categories="categories",
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)
