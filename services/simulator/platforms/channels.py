"""WeChat Channels back office (schemas/platforms/channels.md): WeChat tokens and error
codes, integer fen, unix seconds, counters per day (`ref_date`)."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from schemas.snapshot import Snapshot
from services.simulator.backoffice import BackOffice, Counters, credentials, live_id
from services.simulator.festival import SessionPlan
from services.simulator.platforms.base import Reply, beijing, deliver, misbehave, names, page, unix_s

P = "channels"
CODE = {None: 102, "live": 101, "ended": 103}


def expired() -> Response:
    return JSONResponse({"errcode": 42001, "errmsg": "access_token expired"})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.get("/cgi-bin/token")
    async def token(appid: str = "", secret: str = "", grant_type: str = "") -> dict[str, Any]:
        if (appid, secret) != credentials(P) or grant_type != "client_credential":
            return {"errcode": 40013, "errmsg": "invalid appid"}
        value, ttl = office.issue_token(P)
        return {"access_token": value, "expires_in": int(ttl)}

    async def gate(request: Request) -> Response | str:
        return await misbehave(office, request, office.token_ok(P, request.query_params.get("access_token")), expired)

    @r.get("/live/list")
    async def lives(request: Request, offset: int = 0, limit: int = 10) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        return deliver(office, Reply(_live_list(office, offset, limit), []), fault)

    @r.get("/live/data")
    async def data(request: Request, live_id: str) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        plan = office.plan(P, live=live_id)
        state = office.state(plan) if plan else None
        if plan is None or state is None:
            return JSONResponse({"errcode": 9410000, "errmsg": "live not found"})
        record = _live_data(plan, state, office.today(plan, state))
        body = {"errcode": 0, "errmsg": "ok", "data": record}
        return deliver(office, Reply(body, [(state, record)]), fault)

    @r.get("/live/daily")
    async def daily(request: Request, live_id: str, ref_date: str) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        plan = office.plan(P, live=live_id)
        try:
            day = datetime.strptime(ref_date, "%Y%m%d").date()
        except ValueError:
            return JSONResponse({"errcode": 47001, "errmsg": "invalid ref_date"})
        figures = office.closed_day(plan, day) if plan else None
        if figures is None:
            return JSONResponse({"errcode": 9410001, "errmsg": "data not ready"})
        return JSONResponse({"errcode": 0, "errmsg": "ok", "data": _daily(ref_date, figures)})

    return r


def _live_list(office: BackOffice, offset: int, limit: int) -> dict[str, Any]:
    """The lives from `offset` on (ids and status only; figures come from /live/data)."""
    plans, now = office.rooms(P), office.clock.now()
    items = []
    for plan in page(plans, offset, limit):
        state = office.state(plan, now)
        items.append({"export_id": plan.room_id, "live_id": live_id(plan) if state else "",
                      "live_status": CODE[state.status if state else None]})
    return {"errcode": 0, "errmsg": "ok", "total": len(plans), "live_list": items}


def _live_data(plan: SessionPlan, state: Snapshot, today: Counters) -> dict[str, Any]:
    """One live's record: counters since midnight of its statistics day (`ref_date`)."""
    return {
        "live_id": live_id(plan), "export_id": plan.room_id, "live_status": CODE[state.status],
        "ref_date": beijing(state.observed_at)[:10].replace("-", ""), "update_time": unix_s(state.observed_at),
        "start_time": unix_s(plan.starts), "online_cnt": state.viewers_online, "watch_uv": today.viewers_total,
        "order_cnt": today.orders, "product_cnt_sold": today.units_sold, "gmv": today.gmv_fen,
        "product_list_cnt": state.products_listed, "categories": names(state.categories),
    }


def _daily(ref_date: str, figures: Counters) -> dict[str, Any]:
    """A closed day's figures of one live."""
    return {"ref_date": ref_date, "watch_uv": figures.viewers_total, "order_cnt": figures.orders,
            "product_cnt_sold": figures.units_sold, "gmv": figures.gmv_fen}
