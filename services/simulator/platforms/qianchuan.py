"""Douyin rooms through Qianchuan (巨量千川), as Ocean Engine's open API documents them
(schemas/platforms/qianchuan.md; the official SDK oceanengine/ad_open_sdk_go defines each
request and answer): the advertiser's OAuth grant (authorisation page, code grant,
refresh rotating the refresh token, access tokens that expire), 获取今日直播间列表 with
its figures and paging, 获取直播间商品列表's count, answers in the `code`/`message`/
`request_id`/`data` envelope, errors in HTTP 200 (40102 expired token, 40103/40107 a
refresh token expired or used, 40002 not this advertiser, 40100 slow down, 40110 over
the developer's per-API rate).

Every Qianchuan room is one merchant: one advertiser account (`advertiser_of`) with one
Douyin account (`aweme_of`); its broadcast has Douyin's numeric room id (`room_of`).
Money is written the way Ocean Engine's Go servers write a float of yuan: the shortest
decimal, as a JSON **number** (19.99, 0.1, 100), here from the exact fen.

A reading is handed out when an adapter could publish it: the figures of a room list
answer that arrived intact, once the room's product count was answered too (the snapshot
needs both); it is true at the list answer's `Date`.
"""

import json
import re
import secrets
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Request
from fastapi.responses import RedirectResponse, Response

from kernel.timeutil import SHANGHAI
from schemas.snapshot import Snapshot
from services.simulator.backoffice import BackOffice, day_of, live_id
from services.simulator.festival import SessionPlan
from services.simulator.platforms.base import beijing, http_date, misbehave

OFFICE = "qianchuan"
ROOMS = "/open_api/v1.0/qianchuan/today_live/room/get/"
PRODUCTS = "/open_api/v1.0/qianchuan/today_live/room/product_list/get/"
ROOM_METRICS = frozenset({"live_pay_order_gmv_alias", "live_pay_order_count_alias", "total_live_watch_cnt",
                          "stat_cost", "live_watch_one_minute_count", "total_live_follow_cnt"})
REFRESH_TTL_S = 30 * 86_400
_YUAN = re.compile(r'"@@yuan@@(-?[0-9]+(?:\.[0-9]+)?)"')


def app() -> tuple[int, str]:
    """(app_id, secret) of livefest's app on the simulated Ocean Engine open platform."""
    return 1_700_000_000_000_001, "sim-secret-qianchuan"


def _index(plan: SessionPlan) -> int:
    return int(plan.room_id[-4:])


def advertiser_of(plan: SessionPlan) -> int:
    return 1_760_000_000_000_000 + _index(plan)


def aweme_of(plan: SessionPlan) -> int:
    return 3_000_000_000_000_000 + _index(plan)


def room_of(plan: SessionPlan) -> int:
    """Douyin's id of the broadcast (a new one for every broadcast)."""
    return 7_000_000_000_000_000_000 + int(live_id(plan))


def yuan(fen: int) -> str:
    """A placeholder `answer` turns into the JSON number of yuan (shortest decimal, no exponent)."""
    return "@@yuan@@" + format(Decimal(fen).scaleb(-2).normalize(), "f")


def answer(data: Any, code: int = 0, message: str = "OK", served_at: datetime | None = None) -> Response:
    """The envelope, with yuan placeholders written as JSON numbers; `served_at` is its `Date`."""
    body = {"code": code, "message": message, "request_id": secrets.token_hex(10), "data": data}
    text = _YUAN.sub(r"\1", json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    response = Response(text, media_type="application/json")
    if served_at is not None:
        response.headers["date"] = http_date(served_at)
    return response


def failed(code: int, message: str) -> Response:
    return answer({}, code, message)


class Qianchuan:
    """Grants, rate windows and the readings waiting for their product count."""

    def __init__(self, office: BackOffice) -> None:
        self.office = office
        self.plans = {advertiser_of(p): p for p in office.rooms(OFFICE)}
        self.codes: dict[str, int] = {}  # auth_code -> advertiser
        self.refresh: dict[str, tuple[int, float]] = {}  # refresh token -> (advertiser, monotonic expiry)
        self.buckets: dict[str, tuple[float, float]] = {}  # path -> (calls left, wall time then)
        self.pending: dict[int, Snapshot] = {}  # room -> the reading its figures make, products to come

    def grant(self, advertiser: int) -> dict[str, Any]:
        token, ttl = self.office.issue_token(OFFICE, str(advertiser))
        refresh = secrets.token_hex(20)
        self.refresh[refresh] = (advertiser, time.monotonic() + REFRESH_TTL_S)
        return {"access_token": token, "expires_in": int(ttl), "refresh_token": refresh,
                "refresh_token_expires_in": REFRESH_TTL_S, "advertiser_ids": [advertiser]}

    def over_rate(self, path: str) -> bool:
        """Ocean Engine's per-developer, per-API limit (the developer console's number of
        calls a second), as a token bucket: `qps` calls at once, `qps` more each second."""
        qps = self.office.qianchuan_qps
        if qps is None:
            return False
        now = time.monotonic()
        left, then = self.buckets.get(path, (qps, now))
        left = min(qps, left + (now - then) * qps)
        if left < 1:
            self.buckets[path] = (left, now)
            return True
        self.buckets[path] = (left - 1, now)
        return False

    def room_item(self, plan: SessionPlan, state: Snapshot, fields: list[str]) -> dict[str, Any]:
        figures = {"live_pay_order_gmv_alias": yuan(state.gmv_fen), "live_pay_order_count_alias": state.orders,
                   "total_live_watch_cnt": state.viewers_total, "stat_cost": yuan(0),
                   "live_watch_one_minute_count": 0, "total_live_follow_cnt": 0}
        item: dict[str, Any] = {
            "room_id": room_of(plan), "aweme_id": aweme_of(plan), "aweme_name": f"清远直播节 {plan.county}",
            "room_title": f"清远直播节 · {plan.room_id}", "start_time": beijing(plan.starts), "room_delivery": 1,
            "room_status": "LIVING" if state.status == "live" else "FINISH",
            **{name: figures[name] for name in fields},
        }
        if state.status == "ended":
            item["end_time"] = beijing(plan.ends)
        return item

    async def gate(self, request: Request, path: str) -> tuple[Response | str, int | None]:
        """A data call's misbehaviour, token, rate and advertiser checks: (a response to send
        instead, or the planned fault; the advertiser the token opens)."""
        account = self.office.token_account(OFFICE, request.headers.get("access-token"))
        expired = lambda: failed(40102, "access_token已过期")  # noqa: E731
        limited = lambda: failed(40100, "请求过于频繁")  # noqa: E731
        fault = await misbehave(self.office, request, account is not None, expired, limited)
        if isinstance(fault, Response) or account is None:
            return fault, None
        if self.over_rate(path):
            return failed(40110, "请求超过开发者频控限制"), None
        if request.query_params.get("advertiser_id") != account:
            return failed(40002, "没有权限进行相应操作: advertiser_id"), None
        return fault, int(account)

    def reading(self, plan: SessionPlan, state: Snapshot, served_at: datetime) -> Snapshot:
        """What the adapter can publish (qianchuan.md): the broadcast's room id, true at the
        answer's second, orders as units, no online viewers, no refunds, no categories."""
        return state.model_copy(update={
            "session_id": f"douyin:{room_of(plan)}", "observed_at": served_at, "viewers_online": 0,
            "units_sold": state.orders, "categories": (), "refund_fen": None})


def router(office: BackOffice) -> APIRouter:
    r = APIRouter(prefix=f"/{OFFICE}")
    q = Qianchuan(office)
    oauth_routes(r, q)
    product_routes(r, q)

    @r.get(ROOMS)
    async def rooms(request: Request) -> Response:
        fault, advertiser = await q.gate(request, ROOMS)
        if isinstance(fault, Response) or advertiser is None:
            return fault  # type: ignore[return-value]
        query, plan = request.query_params, q.plans.get(advertiser)
        fields, day, page, size = _fields(query.get("fields")), _day(query.get("date_time")), \
            _int(query.get("page"), 1), _int(query.get("page_size"), 20)
        if fields is None or not fields <= ROOM_METRICS or day is None or not 1 <= size <= 100 or page < 1:
            return failed(40001, "参数错误")
        if plan is None or query.get("aweme_id") != str(aweme_of(plan)):
            return failed(40002, "没有权限进行相应操作: aweme_id")
        served_at = office.clock.now().replace(microsecond=0)
        state = office.state(plan, served_at)
        listed = state is not None and day_of(plan.starts) == day
        items = [q.room_item(plan, state, sorted(fields))] if listed and state is not None and page == 1 else []
        data = {"room_list": items, "page_info": {"page": page, "page_size": size, "total_num": int(listed),
                                                   "total_page": int(listed)}}
        if fault == "malformed":  # a cut-off body: nothing can be read from it
            return Response(json.dumps(data)[:40], media_type="application/json")
        if items and state is not None:
            q.pending[room_of(plan)] = q.reading(plan, state, served_at)
        return answer(data, served_at=served_at)

    return r


def product_routes(r: APIRouter, q: Qianchuan) -> None:
    @r.get(PRODUCTS)
    async def products(request: Request) -> Response:
        fault, advertiser = await q.gate(request, PRODUCTS)
        if isinstance(fault, Response) or advertiser is None:
            return fault  # type: ignore[return-value]
        query, plan = request.query_params, q.plans.get(advertiser)
        if _fields(query.get("fields")) is None or plan is None or query.get("room_id") != str(room_of(plan)):
            return failed(40001, "参数错误")
        state = q.office.state(plan)
        count = state.products_listed if state is not None else 0
        page, size = _int(query.get("page"), 1), _int(query.get("page_size"), 20)
        shown = range((page - 1) * size, min(count, page * size))
        data = {"list": [{"productId": 3_500_000_000 + i, "title": f"清远好物 {i + 1}", "explain_status": "UNEXPLAIN",
                          "live_pay_order_count_alias": 0} for i in shown],
                "page_info": {"page": page, "page_size": size, "total_num": count, "total_page": -(-count // size)}}
        if fault == "malformed":
            return Response(json.dumps(data)[:30], media_type="application/json")
        waiting = q.pending.pop(room_of(plan), None)
        if waiting is not None:
            q.office.served([waiting.model_copy(update={"products_listed": count})])
        return answer(data)


def oauth_routes(r: APIRouter, q: Qianchuan) -> None:
    app_id, secret = app()

    @r.get("/openapi/qc/audit/oauth.html")
    async def authorize(app_id: int, advertiser_id: int, redirect_uri: str, state: str = "") -> Response:
        """The authorisation page; `advertiser_id` stands for the merchant who logs in and agrees."""
        if app_id != app()[0] or advertiser_id not in q.plans:
            return failed(40001, "参数错误: app_id")
        code = secrets.token_hex(12)
        q.codes[code] = advertiser_id
        return RedirectResponse(f"{redirect_uri}?{urlencode({'auth_code': code, 'state': state})}", status_code=302)

    @r.post("/open_api/oauth2/access_token/")
    async def access_token(body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        if (body.get("app_id"), body.get("secret")) != (app_id, secret) or \
                body.get("grant_type", "auth_code") != "auth_code":
            return failed(40001, "参数错误: app_id/secret")
        advertiser = q.codes.pop(str(body.get("auth_code")), None)  # a code works once
        if advertiser is None:
            return failed(40001, "auth_code无效")
        return answer(q.grant(advertiser))

    @r.post("/open_api/oauth2/refresh_token/")
    async def refresh_token(body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        if (body.get("app_id"), body.get("secret"), body.get("grant_type")) != (app_id, secret, "refresh_token"):
            return failed(40001, "参数错误")
        kept = q.refresh.pop(str(body.get("refresh_token")), None)  # the old one stops working
        if kept is None:
            return failed(40107, "refresh_token无效")
        if kept[1] <= time.monotonic():
            return failed(40103, "refresh_token已过期")
        return answer(q.grant(kept[0]))


def _fields(text: str | None) -> set[str] | None:
    try:
        fields = json.loads(text or "")
    except ValueError:
        return None
    return set(fields) if isinstance(fields, list) and all(isinstance(f, str) for f in fields) and fields else None


def _day(text: str | None) -> date | None:
    try:
        return datetime.strptime(text or "", "%Y-%m-%d").replace(tzinfo=SHANGHAI).date()
    except ValueError:
        return None


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else default
