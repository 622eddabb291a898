"""GET /healthz (really asks ClickHouse, and whether it holds livefest's schema) and GET
/metrics (Prometheus exposition)."""

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from kernel.store_access import NoData, schema_problem
from services.api.deps import SettingsDep, StoreDep
from services.api.errors import MIGRATE_HINT
from services.api.exposition import Exposition
from services.api.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(request: Request, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """`SELECT 1` on the store's own ping connection, within LIVEFEST_API_HEALTH_TIMEOUT_SECONDS,
    then (until it once holds) whether the store holds every migration this code needs: 503
    with `"migrations": "missing"` or `"behind"` and `"hint": "run livefest migrate"` if not.
    Runs on threads of its own, so it answers while slow queries occupy the others."""
    ok = await anyio.to_thread.run_sync(
        store.ping, settings.api_health_timeout_seconds, limiter=_health_threads(request)
    )
    if not ok:
        return JSONResponse({"status": "unavailable", "clickhouse": "unreachable"}, status_code=503)
    problem = await _schema_problem(request, store)
    if problem is not None:
        return JSONResponse({"status": "unavailable", "clickhouse": "ok", "migrations": problem, "hint": MIGRATE_HINT},
                            status_code=503)  # fmt: skip
    return JSONResponse({"status": "ok", "clickhouse": "ok"})


async def _schema_problem(request: Request, store: Store) -> str | None:
    """schema_problem(store), asked until the schema is once complete: migrations are only
    ever added, and a store that loses its schema later answers 503 on every figure route."""
    if getattr(request.app.state, "schema_complete", False):
        return None
    try:
        problem = await anyio.to_thread.run_sync(schema_problem, store, limiter=_health_threads(request))
    except (StoreError, StoreUnavailable, NoData):  # a node of a cluster does not answer, say
        return "unknown"
    request.app.state.schema_complete = problem is None
    return problem


def _health_threads(request: Request) -> anyio.CapacityLimiter:
    # Created on first use: a limiter belongs to the running event loop.
    state = request.app.state
    if getattr(state, "health_threads", None) is None:
        state.health_threads = anyio.CapacityLimiter(2)
    limiter: anyio.CapacityLimiter = state.health_threads
    return limiter


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(request: Request) -> Response:
    """The app's registry, open to any scraper: API metrics, the festival's operational gauges
    and, in a single-process `livefest up`, the aggregator's. No figure of any county (those
    are GET /v1/metrics, under the key rules), and no ClickHouse query: the gauges are those
    the generation watcher read for the current write generation (festival_health.py).
    Rendered once at a time, shared by the scrapes that arrive meanwhile (exposition.py)."""
    exposition: Exposition = request.app.state.exposition
    return Response(await exposition.render(), media_type=CONTENT_TYPE_LATEST)
