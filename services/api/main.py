"""Creates the FastAPI application serving near-real-time totals (contract section 3)."""

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kernel.clickhouse import ReadLimits, Store
from kernel.settings import Settings
from services.api.answers import Answers
from services.api.edge import EdgeCache
from services.api.errors import install_error_handlers
from services.api.exposition import Exposition
from services.api.festival_health import FestivalHealth, FestivalHealthCollector
from services.api.generation import Generations
from services.api.limits import StreamSlots
from services.api.metrics import ApiMetrics
from services.api.routes import (
    figures_metrics,
    health,
    imports,
    page,
    screen,
    sessions,
    specials,
    timeseries,
    totals,
)
from services.api.tickets import Tickets
from services.api.timing import Timing

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    store: Store,
    metrics: ApiMetrics | None = None,
    registry: CollectorRegistry | None = None,
) -> FastAPI:
    """The API, reading `store` through a read-only view with the API's limits. Its
    metrics and the festival's operational gauges live on `registry` (default: the one
    `metrics` was created on, else the global registry); GET /metrics serves that registry,
    open, and costs no query (its gauges are read once per write generation). The business
    figures are GET /v1/metrics, under the keys. Answers are cached per write generation;
    served with its lifespan, one background task watches the generation (see answers.py)."""
    reader = store.reader(read_limits(settings), settings.clickhouse_pool_size)
    generations = Generations(reader, settings.api_generation_poll_seconds)
    festival_health = FestivalHealth(reader, settings.stale_after_seconds)
    app = FastAPI(
        title="livefest API",
        version="1",
        description="Near-real-time figures of a livestream-commerce festival. Money is integer fen.",
        lifespan=_watching(generations, festival_health),
    )
    app.state.settings = settings
    app.state.store = reader
    # Parsed once: every request compares the presented key with each of these.
    app.state.api_keys = settings.api_key_set
    app.state.tickets = Tickets(app.state.api_keys, settings.api_stream_ticket_seconds)
    app.state.stream_slots = StreamSlots(settings.api_streams_per_key, settings.api_streams_total)
    app.state.generations = generations
    app.state.festival_health = festival_health
    app.state.answers = Answers(generations)
    app.state.closing = threading.Event()  # set when the server shuts down (server.Server): streams end
    app.state.heavy_lane = _heavy_lane(settings)
    app.state.heavy_settings = read_limits(settings).heavy()
    if metrics is None:
        metrics = ApiMetrics.create(registry) if registry is not None else ApiMetrics.create()
    app.state.metrics = metrics
    app.state.registry = registry if registry is not None else metrics.registry
    app.state.exposition = Exposition(app.state.registry)
    # Operational gauges only: the figures by county are on /v1/metrics, behind the keys.
    # Read once per write generation by the watcher, never per scrape (festival_health.py).
    app.state.registry.register(FestivalHealthCollector(reader, settings.stale_after_seconds, festival_health,
                                                        generations))
    if not app.state.api_keys:
        log.warning("LIVEFEST_API_KEYS is not set: the API is open to anyone (local development only)")
    for module in (totals, specials, sessions, timeseries, imports, figures_metrics, screen, page, health):
        app.include_router(module.router)
    install_error_handlers(app)
    app.add_middleware(EdgeCache, generations=generations)
    app.add_middleware(Timing, histogram=metrics.request_seconds)  # outermost: times edge answers too
    app.openapi = _openapi_without_422(app)  # type: ignore[method-assign]
    return app


def read_limits(settings: Settings) -> ReadLimits:
    """The bounds of every API query (issue 17's read-only ClickHouse user: the same)."""
    return ReadLimits(settings.api_query_seconds, settings.api_max_memory_bytes, settings.api_max_result_rows)


def _heavy_lane(settings: Settings) -> threading.BoundedSemaphore:
    """What a heavy question holds while it runs (on its worker thread): bounded
    concurrency of the expensive queries, so that quick ones always find a core."""
    return threading.BoundedSemaphore(settings.api_heavy_queries)


def _watching(generations: Generations, gauges: FestivalHealth):  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(generations.watch(app.state.answers.warm, gauges.follow), name="write-generation")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            await gauges.close()
            app.state.store.close()  # the API's own read pool

    return lifespan


def _openapi_without_422(app: FastAPI):  # type: ignore[no-untyped-def]
    """FastAPI documents a 422 for every route with parameters; this API answers 400 (with
    an ErrorBody) instead, and the schema must say what it does."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.get("responses", {})
                    if responses.get("422", {}).get("description") == "Validation Error":
                        del responses["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi
