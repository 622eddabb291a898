"""GET /v1/metrics: the festival figures as Prometheus gauges, under the key rules.

The same key rules as every /v1 endpoint (deps.Access): no key configured = open; a key
of scope `all` gets every county; a county key gets its own county's series only (a
scrape is not a question about one county, so it is narrowed rather than refused).
Prometheus scrapes it with a bearer key of scope `all` (deploy/prometheus/prometheus.yml).
"""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.api.business import FestivalFiguresCollector
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import errors

router = APIRouter(prefix="/v1", tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,  # no media type of its own: the errors stay application/json
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **errors(401, 500, 503)},
)
def figures_metrics(store: StoreDep, settings: SettingsDep, access: AccessDep) -> Response:
    """GMV, orders, units, viewers and sessions by county and platform (Prometheus text format)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FestivalFiguresCollector(store, settings.stale_after_seconds, county=access.reports_for))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
