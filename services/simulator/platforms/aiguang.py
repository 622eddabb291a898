"""Aiguang back office (schemas/platforms/aiguang.md): bearer tokens, yuan as decimal
strings, milliseconds, figures inline in the paged room list."""

import time
from typing import Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.platforms.base import Reply, bearer, deliver, misbehave, names, page, unix_ms, yuan_text

P = "aiguang"


def expired() -> Response:
    return JSONResponse({"code": "TOKEN_EXPIRED", "message": "accessToken expired"}, status_code=401)


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    @r.post("/api/token")
    async def token(body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        if (body.get("appKey"), body.get("appSecret")) != credentials(P):
            return JSONResponse({"code": "INVALID_APP", "message": "bad appKey/appSecret"}, status_code=403)
        value, ttl = office.issue_token(P)
        return JSONResponse({"code": "OK", "result": {"accessToken": value,
                                                      "expiresAt": int((time.time() + ttl) * 1000)}})

    @r.get("/api/live/stats")
    async def stats(request: Request, pageNum: int = 1, pageSize: int = 10) -> Response:  # noqa: N803
        fault = await misbehave(office, request, office.token_ok(P, bearer(request)), expired)
        if isinstance(fault, Response):
            return fault
        plans, now = office.rooms(P), office.clock.now()
        items, readings = [], []
        for plan in page(plans, (pageNum - 1) * pageSize, pageSize):
            state = office.state(plan, now)
            item: dict[str, Any] = {"roomNo": plan.room_id, "liveNo": live_id(plan) if state else "",
                                    "liveState": "NOTICE" if state is None else
                                    "LIVING" if state.status == "live" else "FINISHED"}
            if state:
                item.update(
                    statTimeMs=unix_ms(state.observed_at), onlineUsers=state.viewers_online,
                    totalUsers=state.viewers_total, orders=state.orders, units=state.units_sold,
                    gmv=yuan_text(state.gmv_fen), goodsNum=state.products_listed, categories=names(state.categories),
                )
                readings.append((state, item))
            items.append(item)
        body = {"code": "OK", "result": {"pageNum": pageNum, "pageSize": pageSize, "total": len(plans),
                                         "items": items}}
        return deliver(office, Reply(body, readings), fault)

    return r
