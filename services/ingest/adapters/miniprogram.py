"""Mini-program live rooms (小程序直播): one `room_info` item of the documented
`POST /wxa/business/getliveinfo` (schemas/platforms/miniprogram.md). Pure.

The API lists a mini-program's live rooms with their status and goods, nothing else:
no viewers, no orders, no GMV. A snapshot needs every counter, so this adapter never
publishes one; the rooms' sales reach livefest as county reports (schemas/county_reports/).
What the room list is good for: which configured rooms are on air (101 live, 105 paused)
and which rooms nobody attributed to a county.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.ingest.adapters.common import MalformedPayload, integer, need

PLATFORM = "miniprogram"
# live_status: 101 直播中, 102 未开始, 103 已结束, 104 禁播, 105 暂停, 106 异常, 107 已过期.
STATUS = {101: "live", 102: "not_started", 103: "ended", 104: "banned", 105: "paused", 106: "abnormal",
          107: "expired"}
ON_AIR = frozenset({101, 105})  # a paused room is still the same broadcast
EMPTY = 9410000  # errcode of an empty room list: not an error


@dataclass(frozen=True)
class Room:
    room_id: str
    name: str
    status: str
    on_air: bool


def room(item: Mapping[str, Any]) -> Room:
    """One `room_info` item -> the room's id, name and status."""
    code = need(item, "live_status")
    if isinstance(code, bool) or code not in STATUS:
        raise MalformedPayload(f"live_status: unknown status {code!r}", "unknown_status")
    roomid = integer(need(item, "roomid"), "roomid")
    return Room(str(roomid), str(item.get("name", "")), STATUS[code], code in ON_AIR)


def page(payload: Mapping[str, Any]) -> tuple[list[Any], int]:
    """The items of one answer and the `total` number of rooms (an empty list has none)."""
    if payload.get("errcode") == EMPTY:
        return [], 0
    items = need(payload, "room_info")
    if not isinstance(items, list):
        raise MalformedPayload("room_info is not a list")
    return items, integer(need(payload, "total"), "total")
