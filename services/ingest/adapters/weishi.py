"""Weishi (微视): one live's figures from `GET /v1/lives/{liveId}/stats`.

Quirks (schemas/platforms/weishi.md): money is a JSON float of yuan (`gmvYuan`, read
exactly through its decimal text; sub-fen values are rejected), timestamps are unix
milliseconds, `state` is a code (0 upcoming, 1 live, 2 ended), figures are
session-cumulative and revised downward after refunds.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import NO_CARRY, Attribution, Carry
from services.ingest.adapters.layout import Layout, normalize_with

PLATFORM = "weishi"
STATUS = {0: None, 1: "live", 2: "ended"}
LAYOUT = Layout(
    platform=PLATFORM,
    status_key="state",
    status=STATUS,
    live_id="liveId",
    room_id="roomId",
    observed_at="updateTimeMs",
    clock="unix_millis",
    viewers_online="onlineCount",
    viewers_total="watchUv",
    orders="orderCount",
    units_sold="itemCount",
    gmv="gmvYuan",
    money="yuan",
    products_listed="goodsCount",
    categories="categoryNames",
)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    return normalize_with(LAYOUT, raw, room, carry, polled_at)
