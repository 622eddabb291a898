"""Taobao Live back office (schemas/platforms/taobao.md): one router URL, `method=` picks
the call; strings everywhere; counters per statistics day."""

import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.platforms.base import Reply, beijing, deliver, misbehave, names, page, yuan_text

P = "taobao"


def expired() -> Response:
    return JSONResponse({"error_response": {"code": 27, "msg": "Invalid session", "sub_code": "invalid-sessionkey"}})


def error(code: int, msg: str, sub_code: str) -> Response:
    return JSONResponse({"error_response": {"code": code, "msg": msg, "sub_code": sub_code}})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.post("/oauth/token")
    async def token(app_key: str = "", app_secret: str = "") -> Response:
        if (app_key, app_secret) != credentials(P):
            return error(25, "Invalid signature", "isv.invalid-app")
        value, ttl = office.issue_token(P)
        return JSONResponse({"access_token": value, "expire_time": int((time.time() + ttl) * 1000)})

    @r.get("/router/rest")
    async def rest(request: Request, method: str, page_no: int = 1, page_size: int = 10,
                   live_id: str = "", stat_date: str = "") -> Response:
        fault = await misbehave(office, request, office.token_ok(P, request.query_params.get("session")), expired)
        if isinstance(fault, Response):
            return fault
        if method == "taobao.live.rooms.stats":
            return deliver(office, _rooms(office, page_no, page_size), fault)
        if method == "taobao.live.stats.daily":
            return _daily(office, live_id, stat_date)
        return error(22, "Invalid method", "isv.invalid-method")

    return r


def _rooms(office: BackOffice, page_no: int, page_size: int) -> Reply:
    plans, now = office.rooms(P), office.clock.now()
    items, readings = [], []
    for plan in page(plans, (page_no - 1) * page_size, page_size):
        state = office.state(plan, now)
        item: dict[str, Any] = {"room_id": plan.room_id, "live_id": live_id(plan) if state else "",
                                "live_status": "0" if state is None else "1" if state.status == "live" else "2"}
        if state:
            today = office.today(plan, state)
            item.update(
                stat_date=beijing(state.observed_at)[:10], data_time=beijing(state.observed_at),
                start_time=beijing(plan.starts), online_num=str(state.viewers_online),
                uv=str(today.viewers_total), pay_order_num=str(today.orders), pay_item_num=str(today.units_sold),
                pay_amount=yuan_text(today.gmv_fen), item_count=str(state.products_listed),
                categories=",".join(names(state.categories)),
            )
            readings.append((state, item))
        items.append(item)
    body = {"live_rooms_stats_response": {"total_results": str(len(plans)), "rooms": {"room": items}}}
    return Reply(body, readings)


def _daily(office: BackOffice, live: str, stat_date: str) -> Response:
    plan = office.plan(P, live=live)
    try:
        day = datetime.strptime(stat_date, "%Y-%m-%d").date()
    except ValueError:
        return error(41, "Invalid arguments", "isv.invalid-parameter:stat_date")
    figures = office.closed_day(plan, day) if plan else None
    if figures is None:
        return error(15, "Remote service error", "isv.day-not-closed")
    return JSONResponse({"live_stats_daily_response": {
        "live_id": live, "stat_date": stat_date, "uv": str(figures.viewers_total),
        "pay_order_num": str(figures.orders), "pay_item_num": str(figures.units_sold),
        "pay_amount": yuan_text(figures.gmv_fen),
    }})
