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

PLATFORM = "yizhibo"
STATUS = {"0": None, "10": "live", "20": "ended"}


def normalize(
    raw: Mapping[str, Any],
    room: Attribution,
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
) -> Snapshot | None:
    status = status_from(need(raw, "status"), STATUS, "status")
    if status is None:
        return None
    return build(
        platform=PLATFORM,
        live_id=need(raw, "scid"),
        room_id=need(raw, "memberid"),
        room=room,
        observed_at=from_beijing_text(need(raw, "stat_time"), "stat_time"),
        status=status,
        viewers_online=integer(need(raw, "online"), "online"),
        viewers_total=integer(need(raw, "viewers"), "viewers"),
        orders=integer(need(raw, "orders"), "orders"),
        units_sold=integer(need(raw, "goods_sold"), "goods_sold"),
        gmv_fen=fen_from_yuan(need(raw, "amount"), "amount"),
        products_listed=integer(need(raw, "goods_total"), "goods_total"),
        category_codes=split_names(need(raw, "category"), "|", "category"),
        carry=carry,
        polled_at=polled_at,
    )
