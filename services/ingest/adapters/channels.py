"""WeChat Channels (视频号): one live's figures from the documented live dashboard,
`POST /channels/livedashboard/getlivedata` (schemas/platforms/channels.md). Pure.

What the answer holds, and how it becomes a snapshot:

- its sub-objects (`live_ec_data_summary`, `live_comparison_index`, …) arrive as JSON
  *strings* inside the JSON answer: each is decoded a second time (an object is taken as is);
- `live_comparison_index.is_living` is the status (true: live, false: ended);
- `live_ec_data_summary` is per live, not per day (no midnight carry): `online_audience_count`
  -> viewers_online, `cumulative_audience_count` -> viewers_total, `total_pay_pv` (paid
  orders) -> orders, `total_gmv` (成交金额, fen, gross of refunds) -> gmv_fen and
  `refund_amount` (退款金额, fen) -> refund_fen, as contract 1.1 has them;
- the dashboard has no item count: units_sold is `total_pay_pv` (each paid order has at
  least one item, so a lower bound; a county report can correct it after the broadcast);
- products_listed is `single_live_ec_spu_data_page_v2.total_cnt` (0 without that page);
  there are no categories;
- observed_at is the statistics time `live_ec_conversion_metric.whole_live_conversion.
  update_time` (更新时间, unix seconds; `recent_10_min_conversion.update_time` when the
  whole-live one is missing); see `observed`.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    MalformedPayload,
    answered_at,
    build,
    from_unix_seconds,
    integer,
    need,
)

PLATFORM = "channels"
# The getlivedata fields WeChat sends as JSON text (WxJava decodes exactly these).
SUB_OBJECTS = (
    "live_dashboard_data", "live_comparison_index", "live_ec_data_summary", "live_ec_conversion_metric",
    "live_ec_profile", "live_distribution_channel", "single_live_ec_spu_data_page_v2",
)
_EXPORT_ID = re.compile(r"[A-Za-z0-9_./-]{1,119}")


def decode(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The getlivedata answer with every JSON-string sub-object decoded (the second decoding)."""
    if not isinstance(answer, Mapping):
        raise MalformedPayload("getlivedata answer is not an object")
    decoded = dict(answer)
    for key in SUB_OBJECTS:
        value = answer.get(key)
        if isinstance(value, str):
            decoded[key] = _json_object(value, key)
    return decoded


def _json_object(text: str, key: str) -> dict[str, Any] | None:
    if not text.strip():
        return None  # WeChat sends "" for a part it has no data for yet
    try:
        value = json.loads(text)
    except ValueError:
        raise MalformedPayload(f"{key}: the JSON text inside the answer is not JSON", "not_json") from None
    if not isinstance(value, dict):
        raise MalformedPayload(f"{key}: decodes to {type(value).__name__}, not an object")
    return value


def session_key(export_id: str) -> str:
    """The platform's part of the session id (`channels:<this>`, contract charset).

    Export ids look like `export/UzFf…`; "/" is not allowed in a session id, so it becomes
    ":" (export ids have no ":", so this is one-to-one). Ids with other characters, or too
    long, are replaced by `h-` and 40 hex digits of their SHA-256."""
    if _EXPORT_ID.fullmatch(export_id):
        return export_id.replace("/", ":")
    return "h-" + hashlib.sha256(export_id.encode()).hexdigest()[:40]


def observed(data: Mapping[str, Any], date_header: str | None, polled_at: datetime | None) -> datetime:
    """When the figures were true: the dashboard's own 更新时间 (`ConversionMetric.update_time`).

    Only `live_ec_conversion_metric` carries a time, and it may be absent (WeChat sends
    "" for a part it has no data for yet, e.g. before anything could be converted). Then
    the answer's HTTP `Date` header stands in: the platform's clock when it answered, the
    latest instant the figures can have been true, and, unlike our own clock, the
    platform's (a session's snapshots stay ordered however far our clock drifts). Our
    poll time is the last resort, for an answer without a `Date` header."""
    metric = data.get("live_ec_conversion_metric")
    if isinstance(metric, Mapping):
        for part in ("whole_live_conversion", "recent_10_min_conversion"):
            conversion = metric.get(part)
            if isinstance(conversion, Mapping) and conversion.get("update_time"):
                return from_unix_seconds(conversion["update_time"], f"{part}.update_time")
    return answered_at(date_header, polled_at)


def normalize(
    raw: Mapping[str, Any], room: Attribution, carry: Carry = NO_CARRY, polled_at: datetime | None = None
) -> Snapshot | None:
    """`raw` = {export_id, room_id, answered_at (the Date header or None), answer (the
    getlivedata body)} -> the live's snapshot. `carry` is unused: the totals are per live."""
    data = decode(need(raw, "answer"))
    summary = _object(data, "live_ec_data_summary")
    living = need(_object(data, "live_comparison_index"), "is_living")
    if not isinstance(living, bool):
        raise MalformedPayload(f"is_living: {living!r} is not a boolean", "unknown_status")
    orders = integer(need(summary, "total_pay_pv"), "total_pay_pv")
    refunds = summary.get("refund_amount")
    return build(
        platform=PLATFORM,
        live_id=session_key(str(need(raw, "export_id"))),
        room_id=need(raw, "room_id"),
        room=room,
        observed_at=observed(data, raw.get("answered_at"), polled_at),
        status="live" if living else "ended",
        viewers_online=integer(need(summary, "online_audience_count"), "online_audience_count"),
        viewers_total=integer(need(summary, "cumulative_audience_count"), "cumulative_audience_count"),
        orders=orders,
        units_sold=orders,
        gmv_fen=integer(need(summary, "total_gmv"), "total_gmv"),
        products_listed=_products(data),
        category_codes=(),
        polled_at=polled_at,
        refund_fen=None if refunds is None else integer(refunds, "refund_amount"),
    )


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = need(data, key)
    if not isinstance(value, Mapping):
        raise MalformedPayload(f"{key} is not an object")
    return value


def _products(data: Mapping[str, Any]) -> int:
    page = data.get("single_live_ec_spu_data_page_v2")
    if not page:
        return 0
    if not isinstance(page, Mapping):
        raise MalformedPayload("single_live_ec_spu_data_page_v2 is not an object")
    return integer(page.get("total_cnt", 0), "total_cnt")
