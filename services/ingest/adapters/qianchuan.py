"""Douyin rooms through Qianchuan (巨量千川): one room of 获取今日直播间列表,
`GET /open_api/v1.0/qianchuan/today_live/room/get/` (schemas/platforms/qianchuan.md). Pure.

The request and answer exactly as the official SDK defines them (oceanengine/ad_open_sdk_go
`api/api_qianchuan_today_live_room_get_v10.go`, `models/model_qianchuan_today_live_room_get_
v1_0_*`): query `advertiser_id`, `aweme_id`, `date_time` (开播日期 YYYY-MM-DD), `fields` (a
JSON array of metric names, required), `page`, `page_size` (1-100); answer `data.room_list[]`
(one item per live room, 直播间, which is one broadcast on Douyin) and `data.page_info`
{`page`, `page_size`, `total_num`, `total_page`}.

How an item becomes a snapshot:

- `room_id` (the broadcast's id) -> `session_id` `douyin:<room_id>`; the livefest room is the
  configured Douyin account (`aweme_id`) it was listed for;
- `room_status`: LIVING and PAUSE `live`, FINISH `ended`, PREPARE no session yet;
- `live_pay_order_gmv_alias` (整体成交金额, yuan, a JSON number: read from the answer's
  text as a `Decimal`, never a binary float) -> `gmv_fen`, gross of refunds as Douyin counts
  成交金额; `live_pay_order_count_alias` (整体成单数) -> `orders`, and `units_sold` too
  (Qianchuan has no item count: a paid order holds at least one item, a lower bound);
  `total_live_watch_cnt` (直播间观看人次, visits) -> `viewers_total`;
- online viewers: none of these calls publishes them (the big screen's metric names are
  not in any SDK model): `viewers_online` is 0 for these rooms;
- `products_listed`: `page_info.total_num` of 获取直播间商品列表
  (`GET /open_api/v1.0/qianchuan/today_live/room/product_list/get/`);
- no statistics time in the answer: `observed_at` is its `Date` header (the platform's
  clock when it answered), our poll time only without one; no refunds, no categories.
"""

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    MalformedPayload,
    answered_at,
    build,
    fen_from_yuan,
    integer,
    need,
    status_from,
)

PLATFORM = "douyin"
ROOMS = "/open_api/v1.0/qianchuan/today_live/room/get/"
PRODUCTS = "/open_api/v1.0/qianchuan/today_live/room/product_list/get/"
FIELDS = ("live_pay_order_gmv_alias", "live_pay_order_count_alias", "total_live_watch_cnt")
PAGE_SIZE = 100  # the largest page the API allows
STATUS: dict[Any, str | None] = {"LIVING": "live", "PAUSE": "live", "FINISH": "ended", "PREPARE": None}


def _json_list(values: tuple[str, ...] | list[str]) -> str:
    """A list parameter as the SDK sends it: JSON text (Go's json.Marshal, no spaces)."""
    return json.dumps(list(values), separators=(",", ":"))


def rooms_query(advertiser_id: int, aweme_id: int, day: date, page: int) -> dict[str, str]:
    return {"advertiser_id": str(advertiser_id), "aweme_id": str(aweme_id), "date_time": day.isoformat(),
            "fields": _json_list(FIELDS), "page": str(page), "page_size": str(PAGE_SIZE)}


def products_query(advertiser_id: int, room_id: int) -> dict[str, str]:
    """One product is enough: the count is `page_info.total_num`."""
    return {"advertiser_id": str(advertiser_id), "room_id": str(room_id),
            "fields": _json_list(["live_pay_order_count_alias"]), "page": "1", "page_size": "1"}


def rooms_page(data: Any) -> tuple[list[Any], int]:
    """The items of one answer's `data` and the number of pages there are."""
    items = data.get("room_list") if isinstance(data, Mapping) else None
    if items is None:
        items = []  # an empty day comes without the list
    if not isinstance(items, list):
        raise MalformedPayload("room_list is not a list")
    info = need(data, "page_info")
    return items, integer(info.get("total_page", 0) if isinstance(info, Mapping) else None, "total_page")


def product_count(data: Any) -> int:
    info = need(data, "page_info")
    if not isinstance(info, Mapping):
        raise MalformedPayload("page_info is not an object")
    return integer(info.get("total_num", 0), "total_num")


def room_id_of(item: Any) -> int:
    return integer(need(item, "room_id"), "room_id")


def session_status(item: Any) -> str | None:
    return status_from(need(item, "room_status"), STATUS, "room_status")


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    """`raw` = {item (a room_list item), room_id (the configured room), products (its
    product count), answered_at (the list answer's Date header or None)} -> the snapshot,
    or None before the broadcast starts. `carry` is unused: the figures are per broadcast."""
    item = need(raw, "item")
    status = session_status(item)
    if status is None:
        return None
    orders = integer(need(item, "live_pay_order_count_alias"), "live_pay_order_count_alias")
    return build(
        platform=PLATFORM,
        live_id=str(room_id_of(item)),
        room_id=need(raw, "room_id"),
        room=room,
        observed_at=answered_at(raw.get("answered_at"), polled_at),
        status=status,
        viewers_online=0,
        viewers_total=integer(need(item, "total_live_watch_cnt"), "total_live_watch_cnt"),
        orders=orders,
        units_sold=orders,
        gmv_fen=fen_from_yuan(need(item, "live_pay_order_gmv_alias"), "live_pay_order_gmv_alias"),
        products_listed=integer(need(raw, "products"), "products"),
        category_codes=(),
        polled_at=polled_at,
    )
