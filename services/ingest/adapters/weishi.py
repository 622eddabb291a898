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
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    build,
    categories,
    fen_from_yuan,
    from_unix_millis,
    integer,
    need,
    status_from,
)

PLATFORM = "weishi"
STATUS = {0: None, 1: "live", 2: "ended"}


def normalize(
    raw: Mapping[str, Any],
    room: Attribution,
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
) -> Snapshot | None:
    status = status_from(need(raw, "state"), STATUS, "state")
    if status is None:
        return None
    return build(
        platform=PLATFORM,
        live_id=need(raw, "liveId"),
        room_id=need(raw, "roomId"),
        room=room,
        observed_at=from_unix_millis(need(raw, "updateTimeMs"), "updateTimeMs"),
        status=status,
        viewers_online=integer(need(raw, "onlineCount"), "onlineCount"),
        viewers_total=integer(need(raw, "watchUv"), "watchUv"),
        orders=integer(need(raw, "orderCount"), "orderCount"),
        units_sold=integer(need(raw, "itemCount"), "itemCount"),
        gmv_fen=fen_from_yuan(need(raw, "gmvYuan"), "gmvYuan"),
        products_listed=integer(need(raw, "goodsCount"), "goodsCount"),
        category_codes=categories(need(raw, "categoryNames"), "categoryNames"),
        carry=carry,
        polled_at=polled_at,
    )
