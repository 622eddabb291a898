"""Mini-program live back office (schemas/platforms/miniprogram.md): WeChat tokens and
error codes, `getliveinfo` with figures inline, every number a string, fen as a string."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.platforms.base import Reply, deliver, misbehave, names, page, unix_s

P = "miniprogram"


def expired() -> Response:
    return JSONResponse({"errcode": 42001, "errmsg": "access_token expired rid: 6180a1b2"})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.get("/cgi-bin/token")
    async def token(appid: str = "", secret: str = "", grant_type: str = "") -> dict[str, Any]:
        if (appid, secret) != credentials(P) or grant_type != "client_credential":
            return {"errcode": 40013, "errmsg": "invalid appid"}
        value, ttl = office.issue_token(P)
        return {"access_token": value, "expires_in": int(ttl)}

    @r.post("/wxa/business/getliveinfo")
    async def getliveinfo(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        ok = office.token_ok(P, request.query_params.get("access_token"))
        fault = await misbehave(office, request, ok, expired)
        if isinstance(fault, Response):
            return fault
        plans, now = office.rooms(P), office.clock.now()
        items, readings = [], []
        for plan in page(plans, int(body.get("start", 0)), int(body.get("limit", 10))):
            state = office.state(plan, now)
            item: dict[str, Any] = {"roomid": plan.room_id, "live_id": live_id(plan) if state else "",
                                    "live_status": 102 if state is None else 103 if state.status == "ended"
                                    else 105 if state.viewers_online == 0 else 101}
            if state:
                item.update(
                    stat_time=str(unix_s(state.observed_at)), online=str(state.viewers_online),
                    pv_uv=str(state.viewers_total), order_count=str(state.orders), sales_count=str(state.units_sold),
                    sales_fen=str(state.gmv_fen), goods_count=str(state.products_listed),
                    goods_categories=names(state.categories),
                )
                readings.append((state, item))
            items.append(item)
        reply = Reply({"errcode": 0, "errmsg": "ok", "total": len(plans), "room_info": items}, readings)
        return deliver(office, reply, fault)

    return r
