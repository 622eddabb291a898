"""The simulator's HTTP app: every platform's back office under `/<platform>/…`, the
ground truth at `GET /truth`, and `GET /rooms` (which unit claimed which room, the part
of an adapter's configuration the platforms cannot tell)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from services.simulator.backoffice import BackOffice, office_of, platform_room_id
from services.simulator.platforms import (
    aiguang,
    channels,
    douyin,
    kuaishou,
    miniprogram,
    qianchuan,
    taobao,
    weishi,
    yizhibo,
)
from services.simulator.platforms.base import http_date

PLATFORM_MODULES = (douyin, qianchuan, taobao, weishi, channels, aiguang, yizhibo, miniprogram, kuaishou)


def create_app(office: BackOffice) -> FastAPI:
    app = FastAPI(title="livefest simulated back offices", version="1")
    for module in PLATFORM_MODULES:
        app.include_router(module.router(office))

    @app.middleware("http")
    async def platform_clock(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Every answer's `Date` is the back offices' clock: festival event time (serve the app
        with uvicorn's own Date header off, as `livefest simulate` and `livefest up` do)."""
        response = await call_next(request)
        if "date" not in response.headers:
            response.headers["date"] = http_date(office.clock.now())
        return response

    @app.get("/truth")
    def truth() -> dict[str, Any]:
        """The festival's figures in the API's terms, over every reading handed out so far."""
        return office.truth()

    @app.get("/faults")
    def faults() -> dict[str, int]:
        """How many answers of each deliberate fault the back offices gave (tests hold the
        adapters' failure counts to them)."""
        return office.faults()

    @app.get("/rooms")
    def rooms() -> list[dict[str, Any]]:
        """Every room, with the back office that serves it (`qianchuan` for Douyin rooms read there)."""
        return [
            {"platform": p.platform, "room_id": platform_room_id(p), "county": p.county, "special": p.special,
             "office": office_of(p)}
            for p in office.festival.plans
        ]

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "event_time": office.clock.now().isoformat(), "finished": office.clock.finished}

    return app
