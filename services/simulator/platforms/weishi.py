"""Weishi back office (schemas/platforms/weishi.md): bearer tokens, floats of yuan, ms."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.platforms.base import Reply, bearer, deliver, misbehave, names, page, unix_ms, yuan_float

P = "weishi"


def expired() -> Response:
    return JSONResponse({"ret": -401, "msg": "token expired"}, status_code=401)


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.post("/v1/auth/token")
    async def token(body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        if (body.get("app_id"), body.get("app_secret")) != credentials(P):
            return {"ret": -1001, "msg": "invalid app"}
        value, ttl = office.issue_token(P)
        return {"ret": 0, "data": {"token": value, "expire_seconds": int(ttl)}}

    async def gate(request: Request) -> Response | str:
        return await misbehave(office, request, office.token_ok(P, bearer(request)), expired)

    @r.get("/v1/lives")
    async def lives(request: Request, offset: int = 0, limit: int = 10) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        plans, now = office.rooms(P), office.clock.now()
        items = []
        for plan in page(plans, offset, limit):
            state = office.state(plan, now)
            items.append({"roomId": plan.room_id, "liveId": live_id(plan) if state else "",
                          "state": 0 if state is None else 1 if state.status == "live" else 2})
        return deliver(office, Reply({"ret": 0, "data": {"total": len(plans), "list": items}}, []), fault)

    @r.get("/v1/lives/{live}/stats")
    async def stats(request: Request, live: str) -> Response:
        fault = await gate(request)
        if isinstance(fault, Response):
            return fault
        plan = office.plan(P, live=live)
        state = office.state(plan) if plan else None
        if plan is None or state is None:
            return JSONResponse({"ret": -404, "msg": "live not found"}, status_code=404)
        data = {
            "liveId": live, "roomId": plan.room_id, "state": 1 if state.status == "live" else 2,
            "updateTimeMs": unix_ms(state.observed_at), "onlineCount": state.viewers_online,
            "watchUv": state.viewers_total, "orderCount": state.orders, "itemCount": state.units_sold,
            "gmvYuan": yuan_float(state.gmv_fen), "goodsCount": state.products_listed,
            "categoryNames": names(state.categories),
        }
        return deliver(office, Reply({"ret": 0, "data": data}, [(state, data)]), fault)

    return r
