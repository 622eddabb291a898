"""WeChat Channels back office, exactly the documented live dashboard
(schemas/platforms/channels.md): per-account stable tokens and daily quotas (`wechat.py`),
`getlivelist` by day, `getlivedata` with its sub-objects as JSON text, errors as
`errcode` in HTTP 200 (42001 expired token, 45009 quota used up, 45011 slow down, 48001
permission not granted).

Every room is an account (credentials `credentials("channels", room_id)`) with one live.
The dashboard shows the session's newest state: `total_gmv` is its 成交金额 (gross),
`refund_amount` its 退款金额, and `live_ec_conversion_metric`'s `update_time` (更新时间)
the second that state was true; the reading it hands out is that state, named and shaped
as the dashboard lets an adapter see it (see `reading`).
"""

import json
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Request, Response

from schemas.snapshot import Snapshot
from services.simulator.backoffice import BackOffice, credentials, day_of, live_id
from services.simulator.festival import SessionPlan
from services.simulator.platforms import wechat
from services.simulator.platforms.base import Reply, deliver, http_date, misbehave, unix_s

P = "channels"
LIST = "/channels/livedashboard/getlivelist"
DATA = "/channels/livedashboard/getlivedata"


def export_id(plan: SessionPlan) -> str:
    return f"export/UzFfAgtgekIEAQAAAAAA{live_id(plan)}"


def reading(plan: SessionPlan, state: Snapshot) -> Snapshot:
    """What an adapter can know from the answer (channels.md): the session named after the
    export id ("/" -> ":"), true at its update_time, paid orders as units, no categories,
    gross GMV and refunds."""
    update = {"session_id": f"{P}:{export_id(plan).replace('/', ':')}", "units_sold": state.orders,
              "categories": ()}
    return state.model_copy(update=update)


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")
    accounts = {credentials(P, plan.room_id): plan.room_id for plan in office.rooms(P)}
    platform = wechat.Wechat(office, P, lambda appid, secret: accounts.get((appid, secret)),
                             lambda account: credentials(P, account)[0], (LIST, DATA))
    platform.routes(r)

    async def gate(request: Request, path: str) -> tuple[Response | str, SessionPlan | None]:
        account = office.token_account(P, request.query_params.get("access_token"))
        fault = await misbehave(office, request, account is not None, wechat.expired, wechat.minute_limit)
        if isinstance(fault, Response) or account is None:
            return fault, None
        if credentials(P, account)[0] in office.no_permission:
            return wechat.unauthorized(), None
        over = platform.spend(account, path)
        return (over, None) if over is not None else (fault, office.plan(P, room=account))

    @r.post(LIST)
    async def getlivelist(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        fault, plan = await gate(request, LIST)
        if isinstance(fault, Response):
            return fault
        day = _day(body.get("ds"))
        if day is None:
            return wechat.error(1, "invalid ds")
        items = []
        if plan is not None and plan.starts <= office.clock.now() and day_of(plan.starts) == day:
            items.append({"export_id": export_id(plan), "create_time": unix_s(plan.starts)})
        answer = {"errcode": 0, "errmsg": "ok", "trace_id": "sim", "live_items": items, "has_more": False}
        return deliver(office, Reply(answer, []), fault)

    @r.post(DATA)
    async def getlivedata(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        fault, plan = await gate(request, DATA)
        if isinstance(fault, Response):
            return fault
        served_at = office.clock.now().replace(microsecond=0)  # an HTTP date has whole seconds
        state = office.state(plan, served_at) if plan and body.get("export_id") == export_id(plan) else None
        if plan is None or state is None:
            return wechat.error(1, "invalid export_id")
        answer = dashboard(plan, state, served_at)
        response = deliver(office, Reply(answer, [(reading(plan, state), answer)]), fault)
        response.headers["date"] = http_date(served_at)
        return response

    return r


def dashboard(plan: SessionPlan, state: Snapshot, served_at: datetime) -> dict[str, Any]:
    """The getlivedata answer: every sub-object JSON text inside the JSON (decode twice)."""
    living = state.status == "live"
    refunds = state.refund_fen or 0
    summary = {
        "total_gmv": state.gmv_fen, "total_pay_pv": state.orders, "total_pay_uv": state.orders,
        "total_create_pv": state.orders, "total_create_uv": state.orders,
        "online_audience_count": state.viewers_online, "cumulative_audience_count": state.viewers_total,
        "new_audience_count": state.viewers_total, "refund_amount": refunds,
        "refund_pv": 0 if refunds == 0 else 1, "average_watch_seconds_per_audience": 96,
    }
    index = {"is_living": living, "on_air" if living else "ended": {"average_watch_seconds": {"value": 96}}}
    base = {"live_dashboard_data": {"summary": {"new_watch_uv": state.viewers_total}},
            "live_duration": unix_s(served_at) - unix_s(plan.starts), "start_time": unix_s(plan.starts)}
    products = {"spu_data_list": [], "total_cnt": state.products_listed, "data_key": ["sim"]}
    parts = {
        "live_dashboard_data": base, "live_comparison_index": index, "live_ec_data_summary": summary,
        "live_ec_conversion_metric": {"whole_live_conversion": {"update_time": unix_s(state.observed_at)}},
        "live_ec_profile": {"profiles": [], "totals": []}, "live_distribution_channel": {},
        "single_live_ec_spu_data_page_v2": products,
    }
    encoded = {key: json.dumps(value, ensure_ascii=False, separators=(",", ":")) for key, value in parts.items()}
    return {"errcode": 0, "errmsg": "ok", "trace_id": "sim", **encoded}


def _day(ds: Any) -> date | None:
    text = str(ds) if isinstance(ds, int | str) and not isinstance(ds, bool) else ""
    try:
        return datetime.strptime(text, "%Y%m%d").date() if len(text) == 8 else None
    except ValueError:
        return None
