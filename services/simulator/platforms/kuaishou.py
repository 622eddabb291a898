"""Kuaishou back office (schemas/platforms/kuaishou.md). Two parts:

- documented (`kwaixiaodian.py`): merchant OAuth and the signed real-time UV call;
- **simulator-only**, for demos: a live statistics API that Kuaishou does not offer
  (`/openapi/live/stats`, client-credentials token): `result` codes, opaque `pcursor`
  pages ending in "no_more", floats of yuan, milliseconds, figures inline.
"""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.simulator.backoffice import BackOffice, credentials, live_id
from services.simulator.platforms import kwaixiaodian
from services.simulator.platforms.base import Reply, deliver, misbehave, names, page, unix_ms, yuan_float

P = "kuaishou"
PAGE = 4


def expired() -> Response:
    return JSONResponse({"result": 28, "error_msg": "access_token expired"})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")

    code_grant = kwaixiaodian.routes(r, office)

    @r.get("/oauth2/access_token")
    async def token(request: Request, app_id: str = "", app_secret: str = "", grant_type: str = "") -> dict[str, Any]:
        if grant_type == "code":  # the documented merchant authorisation
            return code_grant(dict(request.query_params))
        if (app_id, app_secret) != credentials(P) or grant_type != "client_credentials":
            return {"result": 100200100, "error_msg": "invalid app"}
        value, ttl = office.issue_token(P)
        return {"result": 1, "access_token": value, "expires_in": int(ttl)}

    @r.get("/openapi/live/stats")
    async def stats(request: Request, pcursor: str = "") -> Response:
        fault = await misbehave(office, request, office.token_ok(P, request.query_params.get("access_token")), expired)
        if isinstance(fault, Response):
            return fault
        start = int(pcursor[3:]) if pcursor.startswith("pc_") and pcursor[3:].isdigit() else 0
        plans, now = office.rooms(P), office.clock.now()
        items, readings = [], []
        chunk = page(plans, start, PAGE)
        for plan in chunk:
            state = office.state(plan, now)
            item: dict[str, Any] = {"liveStreamId": live_id(plan) if state else "", "roomId": plan.room_id,
                                    "liveStatus": "PREVIEW" if state is None else
                                    "LIVING" if state.status == "live" else "END"}
            if state:
                item.update(
                    timestamp=unix_ms(state.observed_at), onlineCount=state.viewers_online,
                    watchCount=state.viewers_total, orderCount=state.orders, itemCount=state.units_sold,
                    gmv=yuan_float(state.gmv_fen), itemListCount=state.products_listed,
                    categoryList=names(state.categories),
                )
                readings.append((state, item))
            items.append(item)
        end = start + len(chunk)
        following = f"pc_{end}" if end < len(plans) else "no_more"
        body = {"result": 1, "data": {"pcursor": following, "lives": items}}
        return deliver(office, Reply(body, readings), fault)

    return r
