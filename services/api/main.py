"""Creates the FastAPI application serving near-real-time totals (contract section 3)."""

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from kernel.settings import Settings
from services.api.business import FestivalCollector
from services.api.metrics import ApiMetrics
from services.api.routes import health, imports, page, screen, sessions, specials, timeseries, totals
from services.api.screen_feed import ScreenFeed
from services.api.writes import Writes

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    store: Store,
    metrics: ApiMetrics | None = None,
    registry: CollectorRegistry | None = None,
) -> FastAPI:
    """The API. Its metrics, and the festival figures read at scrape time, live on
    `registry` (default: the one `metrics` was created on, else the global registry);
    GET /metrics serves that registry."""
    app = FastAPI(
        title="livefest API",
        version="1",
        description="Near-real-time figures of a livestream-commerce festival. Money is integer fen.",
    )
    app.state.settings = settings
    app.state.store = store
    if metrics is None:
        metrics = ApiMetrics.create(registry) if registry is not None else ApiMetrics.create()
    app.state.metrics = metrics
    app.state.registry = registry if registry is not None else metrics.registry
    app.state.registry.register(FestivalCollector(store, settings.stale_after_seconds))
    if not settings.key_scopes:
        log.warning(
            "LIVEFEST_API_KEYS is not set: the API is open to anyone (local development only)"
        )
    app.state.writes = Writes(store)  # when a batch is written: what the screens' streams wait for
    app.state.screen_feed = ScreenFeed(store, settings)
    for module in (totals, specials, sessions, timeseries, imports, screen, page, health):
        app.include_router(module.router)
    _install_error_handlers(app)
    _install_timing(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        return JSONResponse({"error": problems}, status_code=400)

    @app.exception_handler(StoreUnavailable)
    async def store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.error("ClickHouse unavailable: %s", exc)
        return JSONResponse(
            {"error": "the figures store is unavailable; retry shortly"}, status_code=503
        )

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("ClickHouse query failed: %s", exc)
        return JSONResponse({"error": "internal error reading the figures"}, status_code=500)


def _install_timing(app: FastAPI) -> None:
    histogram = app.state.metrics.request_seconds

    @app.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        histogram.labels(template, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response
