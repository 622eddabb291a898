"""Yizhibo back office (schemas/platforms/yizhibo.md): token in the query, counts as
strings, floats of yuan, Beijing wall-clock timestamps, figures inline in the list."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.platforms.base import Reply, beijing, deliver, misbehave, names, page, yuan_float

P = "yizhibo"


def expired() -> Response:
    return JSONResponse({"result": 401, "msg": "token expired"})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.get("/open/token")
    async def token(appid: str = "", appsecret: str = "") -> dict[str, Any]:
        if (appid, appsecret) != credentials(P):
            return {"result": 403, "msg": "invalid appid"}
        value, ttl = office.issue_token(P)
        return {"result": 1, "data": {"token": value, "expires": str(int(ttl))}}

    @r.get("/open/live/list")
    async def lives(request: Request, per_page: int = 10) -> Response:
        fault = await misbehave(office, request, office.token_ok(P, request.query_params.get("token")), expired)
        if isinstance(fault, Response):
            return fault
        number = int(request.query_params.get("page", "1") or 1)
        plans, now = office.rooms(P), office.clock.now()
        items, readings = [], []
        for plan in page(plans, (number - 1) * per_page, per_page):
            state = office.state(plan, now)
            item: dict[str, Any] = {"scid": live_id(plan) if state else "", "memberid": plan.room_id,
                                    "status": "0" if state is None else "10" if state.status == "live" else "20"}
            if state:
                item.update(
                    stat_time=beijing(state.observed_at), online=str(state.viewers_online),
                    viewers=str(state.viewers_total), orders=str(state.orders), goods_sold=str(state.units_sold),
                    amount=yuan_float(state.gmv_fen), goods_total=str(state.products_listed),
                    category="|".join(names(state.categories)),
                )
                readings.append((state, item))
            items.append(item)
        body = {"result": 1, "data": {"total": str(len(plans)), "page": str(number), "list": items}}
        return deliver(office, Reply(body, readings), fault)

    return r
