"""GET /healthz (really asks ClickHouse) and GET /metrics (Prometheus exposition)."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(store: StoreDep) -> JSONResponse:
    if store.ping():
        return JSONResponse({"status": "ok", "clickhouse": "ok"})
    return JSONResponse({"status": "unavailable", "clickhouse": "unreachable"}, status_code=503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """The app's registry, open to any scraper: API metrics, the festival's operational gauges
    and, in a single-process `livefest up`, the aggregator's. No figure of any county (those
    are GET /v1/metrics, under the key rules)."""
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)
