"""Aiguang (爱逛): one item of `GET /api/live/stats` (figures inline in the room list).

Quirks (schemas/platforms/aiguang.md): money is a decimal string of yuan (`gmv`),
timestamps are unix milliseconds, `liveState` is a word (NOTICE, LIVING, FINISHED),
figures are session-cumulative and revised downward after refunds.
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

PLATFORM = "aiguang"
STATUS = {"NOTICE": None, "LIVING": "live", "FINISHED": "ended"}


def normalize(
    raw: Mapping[str, Any],
    room: Attribution,
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
) -> Snapshot | None:
    status = status_from(need(raw, "liveState"), STATUS, "liveState")
    if status is None:
        return None
    return build(
        platform=PLATFORM,
        live_id=need(raw, "liveNo"),
        room_id=need(raw, "roomNo"),
        room=room,
        observed_at=from_unix_millis(need(raw, "statTimeMs"), "statTimeMs"),
        status=status,
        viewers_online=integer(need(raw, "onlineUsers"), "onlineUsers"),
        viewers_total=integer(need(raw, "totalUsers"), "totalUsers"),
        orders=integer(need(raw, "orders"), "orders"),
        units_sold=integer(need(raw, "units"), "units"),
        gmv_fen=fen_from_yuan(need(raw, "gmv"), "gmv"),
        products_listed=integer(need(raw, "goodsNum"), "goodsNum"),
        category_codes=categories(need(raw, "categories"), "categories"),
        carry=carry,
        polled_at=polled_at,
    )

