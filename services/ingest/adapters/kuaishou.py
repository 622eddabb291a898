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

PLATFORM = "kuaishou"
STATUS = {"PREVIEW": None, "LIVING": "live", "END": "ended"}


def normalize(
    raw: Mapping[str, Any],
    room: Attribution,
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
) -> Snapshot | None:
    status = status_from(need(raw, "liveStatus"), STATUS, "liveStatus")
    if status is None:
        return None
    return build(
        platform=PLATFORM,
        live_id=need(raw, "liveStreamId"),
        room_id=need(raw, "roomId"),
        room=room,
        observed_at=from_unix_millis(need(raw, "timestamp"), "timestamp"),
        status=status,
        viewers_online=integer(need(raw, "onlineCount"), "onlineCount"),
        viewers_total=integer(need(raw, "watchCount"), "watchCount"),
        orders=integer(need(raw, "orderCount"), "orderCount"),
        units_sold=integer(need(raw, "itemCount"), "itemCount"),
        gmv_fen=fen_from_yuan(need(raw, "gmv"), "gmv"),
        products_listed=integer(need(raw, "itemListCount"), "itemListCount"),
        category_codes=categories(need(raw, "categoryList"), "categoryList"),
        carry=carry,
        polled_at=polled_at,
    )
