"""Kuaishou (快手): one item of `GET /openapi/live/stats` (figures inline, cursor pages).

Quirks (schemas/platforms/kuaishou.md): money is a JSON float of yuan (`gmv`, read
exactly through its decimal text; sub-fen values are rejected), timestamps are unix
milliseconds, `liveStatus` is a word (PREVIEW, LIVING, END); figures are
session-cumulative and revised downward after refunds.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, normalize_with

PLATFORM = "kuaishou"
STATUS = {"PREVIEW": None, "LIVING": "live", "END": "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="liveStatus",
    status=STATUS,
    live_id="liveStreamId",
    room_id="roomId",
    observed_at="timestamp",
    clock="unix_millis",
    viewers_online="onlineCount",
    viewers_total="watchCount",
    orders="orderCount",
    units_sold="itemCount",
    gmv="gmv",
    money="yuan",
    products_listed="itemListCount",
    categories="categoryList",
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)
