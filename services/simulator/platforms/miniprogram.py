"""Mini-program live back office, exactly the documented `getliveinfo`
(schemas/platforms/miniprogram.md): WeChat stable tokens, quotas and errors (`wechat.py`),
rooms with their status,
times and goods, and no figures at all. It hands out no readings: a mini-program's
sales reach livefest only as county reports."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from services.simulator.backoffice import BackOffice, credentials, platform_room_id
from services.simulator.festival import SessionPlan
from services.simulator.platforms import wechat
from services.simulator.platforms.base import Reply, deliver, misbehave, page, unix_s

P = "miniprogram"
INFO = "/wxa/business/getliveinfo"
EMPTY = 9410000


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{P}")
    platform = wechat.Wechat(office, P, lambda appid, secret: "" if (appid, secret) == credentials(P) else None,
                             lambda account: credentials(P)[0], (INFO,))
    platform.routes(r)

    @r.post(INFO)
    async def getliveinfo(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        account = office.token_account(P, request.query_params.get("access_token"))
        fault = await misbehave(office, request, account is not None, wechat.expired, wechat.minute_limit)
        if isinstance(fault, Response):
            return fault
        over = platform.spend(account or "", INFO)
        if over is not None:
            return over
        # The documented order: newest start_time first.
        plans = sorted(office.rooms(P), key=lambda p: (p.starts, p.room_id), reverse=True)
        if not plans:
            return wechat.error(EMPTY, "no live room")
        chunk = page(plans, int(body.get("start", 0)), int(body.get("limit", 10)))
        items = [_room(office, plan) for plan in chunk]
        answer = {"errcode": 0, "errmsg": "ok", "room_info": items, "total": len(plans)}
        return deliver(office, Reply(answer, []), fault)

    return r


def _room(office: BackOffice, plan: SessionPlan) -> dict[str, Any]:
    state = office.state(plan)
    status = 102 if state is None else 103 if state.status == "ended" else 105 if state.viewers_online == 0 else 101
    return {
        "name": f"清远直播节 {plan.room_id}", "roomid": int(platform_room_id(plan)),
        "cover_img": "http://mmbiz.qpic.cn/mmbiz_jpg/sim/0?wx_fmt=jpeg",
        "share_img": "http://mmbiz.qpic.cn/mmbiz_jpg/sim/0?wx_fmt=jpeg",
        "live_status": status, "start_time": unix_s(plan.starts), "end_time": unix_s(plan.ends),
        "anchor_name": "主播", "goods": [{"cover_img": "http://mmbiz.qpic.cn/mmbiz_jpg/sim/0", "url":
                                          "pages/index/index", "price": plan.price_fen, "name": "清远鸡"}],
        "live_type": 0, "close_like": 0, "close_goods": 0, "close_comment": 0,
    }
