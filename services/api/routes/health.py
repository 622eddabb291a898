"""GET /healthz (really asks ClickHouse) and GET /metrics (Prometheus exposition)."""

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.deps import SettingsDep, StoreDep
from services.api.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(request: Request, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """`SELECT 1` on the store's own ping connection, within LIVEFEST_API_HEALTH_TIMEOUT_SECONDS.
    Runs on threads of its own, so it answers while slow queries occupy the others."""
    ok = await anyio.to_thread.run_sync(
        store.ping, settings.api_health_timeout_seconds, limiter=_health_threads(request)
    )
    if ok:
        return JSONResponse({"status": "ok", "clickhouse": "ok"})
    return JSONResponse({"status": "unavailable", "clickhouse": "unreachable"}, status_code=503)


def _health_threads(request: Request) -> anyio.CapacityLimiter:
    # Created on first use: a limiter belongs to the running event loop.
    state = request.app.state
    if getattr(state, "health_threads", None) is None:
        state.health_threads = anyio.CapacityLimiter(2)
    limiter: anyio.CapacityLimiter = state.health_threads
    return limiter


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    """The app's registry, open to any scraper: API metrics, the festival's operational gauges
    and, in a single-process `livefest up`, the aggregator's. No figure of any county (those
    are GET /v1/metrics, under the key rules), and no ClickHouse query: the gauges are those
    the generation watcher read for the current write generation (festival_health.py)."""
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)
