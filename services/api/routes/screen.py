"""GET /v1/screen (the big screen's figures, once) and GET /v1/stream (the same, pushed as
Server-Sent Events each time a batch is written).

The city's screen for an `all` key (or an open API), a county's for its county-scoped key;
`?county=C` asks for one county's screen (403 for another county's key). The stream also
takes the key as `?access_token=`, since a browser's EventSource cannot send headers.
"""

import logging
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from kernel.clickhouse import StoreError, StoreUnavailable
from services.api import params, screen_figures
from services.api.deps import AccessDep, SettingsDep, StoreDep, StreamAccessDep
from services.api.models import Screen

router = APIRouter(prefix="/v1", tags=["screen"])
log = logging.getLogger(__name__)
County = Annotated[str | None, Depends(params.county)]
RETRY_MS = 2000  # how soon a browser's EventSource reconnects after losing the stream


def screen_scope(access: AccessDep, county: County) -> str | None:
    return access.screen_of(county)


def stream_scope(access: StreamAccessDep, county: County) -> str | None:
    # A dependency, so that a refused key gets its 401/403 before the stream starts.
    return access.screen_of(county)


@router.get("/screen", response_model=Screen)
async def get_screen(
    store: StoreDep, settings: SettingsDep, scope: Annotated[str | None, Depends(screen_scope)]
) -> Screen:
    """Everything the big screen shows: totals, the nine units (or the one county), the
    day's GMV curve, hashtag progress (city only) and the top rooms, as of one write."""
    return await run_in_threadpool(screen_figures.screen, store, settings, scope)


@router.get("/stream", response_class=EventSourceResponse)
async def stream(
    request: Request, scope: Annotated[str | None, Depends(stream_scope)]
) -> AsyncIterator[ServerSentEvent]:
    """text/event-stream: a `figures` event (a Screen as JSON, as GET /v1/screen answers)
    at once, then after every write; a `problem` event while the store fails; keep-alive
    comments when quiet. Ends when the client goes away."""
    writes, feed = request.app.state.writes, request.app.state.screen_feed
    connected = request.app.state.metrics.screen_streams
    connected.inc()
    try:
        yield ServerSentEvent(retry=RETRY_MS, comment="livefest screen")
        seen: str | None = None
        while True:
            try:
                token = await writes.wait_for_change(seen)
                yield ServerSentEvent(event="figures", raw_data=await feed.json(token, scope))
                seen = token
            except (StoreError, StoreUnavailable) as exc:
                log.warning("screen stream: the figures store failed: %s", exc)
                yield ServerSentEvent(event="problem", data={"error": "the figures store is unavailable; retrying"})
                await anyio.sleep(RETRY_MS / 1000)
    finally:  # the screen went away (FastAPI cancels the stream) or the API stops
        connected.dec()
