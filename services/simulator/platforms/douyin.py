"""Douyin e-commerce back office (schemas/platforms/douyin.md)."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from schemas.platforms import DOUYIN_ACTIVITIES
from schemas.snapshot import Snapshot
from schemas.topic_stats import FESTIVAL_HASHTAG
from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.festival import SessionPlan
from services.simulator.platforms.base import Reply, deliver, misbehave, names, page, unix_s

P = "douyin"
ACTIVITY_NAMES = {special: name for name, special in DOUYIN_ACTIVITIES.items()}


def expired() -> Response:
    return JSONResponse({"err_no": 2190008, "err_msg": "access_token已过期,请刷新", "data": None})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.post("/oauth/client_token/")
    async def token(body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        if (body.get("client_key"), body.get("client_secret")) != credentials(P):
            return {"data": {"error_code": 10003, "description": "client_key或client_secret错误"}, "message": "error"}
        value, ttl = office.issue_token(P)
        data = {"access_token": value, "expires_in": int(ttl), "error_code": 0, "description": ""}
        return {"data": data, "message": "success"}

    async def gate(request: Request) -> Response | str:
        return await misbehave(office, request, office.token_ok(P, request.headers.get("access-token")), expired)

    @r.get("/api/live/rooms")
    async def rooms(request: Request, cursor: int = 0, count: int = 10) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        return deliver(office, Reply(_rooms_page(office, cursor, count), []), fault)

    @r.get("/api/live/room_data")
    async def room_data(request: Request, room_id: str) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        plan = office.plan(P, room=room_id)
        if plan is None:
            return JSONResponse({"err_no": 40004, "err_msg": "直播间不存在", "data": None})
        state = office.state(plan)
        data = _room_data(plan, state)
        body = {"err_no": 0, "err_msg": "success", "data": data}
        return deliver(office, Reply(body, [(state, data)] if state else []), fault)

    @r.get("/api/topic/stats")
    async def topic(request: Request, hashtag: str) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        if hashtag != FESTIVAL_HASHTAG:
            return JSONResponse({"err_no": 40010, "err_msg": "话题不存在", "data": None})
        return deliver(office, Reply(_topic_stats(office, hashtag), []), fault)

    return r


def _rooms_page(office: BackOffice, cursor: int, count: int) -> dict[str, Any]:
    """The rooms from `cursor` on (ids and status only; figures come from room_data)."""
    plans, now = office.rooms(P), office.clock.now()
    chunk = page(plans, cursor, count)
    items = []
    for plan in chunk:
        state = office.state(plan, now)
        items.append({"room_id": plan.room_id, "live_id": live_id(plan) if state else "",
                      "room_status": _status(state)})
    end = cursor + len(chunk)
    return {"err_no": 0, "err_msg": "success",
            "data": {"rooms": items, "cursor": end, "has_more": end < len(plans)}}


def _room_data(plan: SessionPlan, state: Snapshot | None) -> dict[str, Any]:
    """One room's `data`: its status, and its figures once a session is on."""
    data: dict[str, Any] = {"room_id": plan.room_id, "live_id": live_id(plan) if state else "",
                            "room_status": _status(state)}
    if state:
        data.update(
            stat_time=unix_s(state.observed_at), start_time=unix_s(plan.starts),
            online_user_cnt=state.viewers_online, total_watch_ucnt=state.viewers_total,
            pay_order_cnt=state.orders, pay_item_cnt=state.units_sold, pay_amount=state.gmv_fen,
            product_cnt=state.products_listed, product_categories=names(state.categories),
        )
    return data


def _topic_stats(office: BackOffice, hashtag: str) -> dict[str, Any]:
    """The hashtag's reads now, one entry per special's activity."""
    now = office.clock.now()
    activities = [{"activity": ACTIVITY_NAMES[s], "view_cnt": n} for s, n in office.topic_reads(now).items()]
    return {"err_no": 0, "err_msg": "success",
            "data": {"hashtag": hashtag, "update_time": unix_s(now), "activities": activities}}


def _status(state: Any) -> int:
    return 1 if state is None else 2 if state.status == "live" else 4
