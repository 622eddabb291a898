"""GET /v1/screen (the big screen's figures, once), GET /v1/stream (the same, pushed as
Server-Sent Events each time a batch is written) and POST /v1/stream-tickets (what a
browser opens the stream with).

The city's screen for an `all` key (or an open API), a county's for its county-scoped key;
`?county=C` asks for one county's screen (403 for another county's key). A browser's
EventSource cannot send headers, and a key in a URL ends up in logs: the page asks for a
short-lived ticket with its key and opens the stream with `?ticket=` (tickets.py). Streams
are limited per key and in all (limits.py: 429 past either) and end after
LIVEFEST_API_STREAM_MAX_SECONDS with a `renew` event, upon which the page reconnects with a
fresh ticket; a stream whose client went away ends at once.

Both read the API's answer cache (answers.py) under the same key: a screen's figures are
computed once per write generation and scope, whether asked by GET /v1/screen or needed by
any number of streams. The streams wake on the process's write-generation watcher
(generation.py: `Generations.wait_for_change`), which publishes a generation only once the
hot answers (the watched screens among them) are recomputed. They need the app's lifespan
(the watcher); served without it, a stream sends nothing but its opening comment.
"""

import logging
import threading
import time
from collections.abc import AsyncIterator, Hashable
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from kernel.settings import Settings
from services.api import params, screen_figures
from services.api.answers import Answers, answer, json_response
from services.api.deps import AccessDep, SettingsDep, StoreDep, StreamGrant, StreamGrantDep
from services.api.generation import Generations
from services.api.limits import StreamSlots
from services.api.models import Screen, StreamTicket, errors
from services.api.tickets import Tickets

router = APIRouter(prefix="/v1", tags=["screen"])
log = logging.getLogger(__name__)
County = Annotated[str | None, Depends(params.county)]
RETRY_MS = 2000  # how soon a browser's EventSource reconnects after losing the stream
# How often a quiet stream looks whether the API is stopping, or the store has become
# unreachable (no query: the watcher's last probe says so) or is back.
CHECK_S = 1.0


def screen_scope(access: AccessDep, county: County) -> str | None:
    return access.screen_of(county)


async def stream_slot(request: Request, grant: StreamGrantDep) -> AsyncIterator[StreamGrant]:
    """One of the stream limits' slots for as long as the stream runs (released once the
    response has ended). A dependency, so that a refused key or a full house gets its
    401/403/429 before the stream starts."""
    slots: StreamSlots = request.app.state.stream_slots
    with slots.hold(grant.holder):
        yield grant


def screen_key(scope: str | None) -> Hashable:
    """The answer cache's key of a scope's screen (shared by /v1/screen and the streams)."""
    return ("screen", scope)


def screen_json(store: Store, settings: Settings, scope: str | None) -> bytes:
    return screen_figures.screen(store, settings, scope).model_dump_json().encode()


@router.get("/screen", response_model=Screen, responses=errors(400, 401, 403, 500, 503))
async def get_screen(
    request: Request, store: StoreDep, settings: SettingsDep, scope: Annotated[str | None, Depends(screen_scope)]
) -> Response:
    """Everything the big screen shows: totals, the nine units (or the one county), the
    day's GMV curve, hashtag progress (city only) and the top rooms, as of one write."""
    return json_response(await answer(request, screen_key(scope), partial(screen_json, store, settings, scope)))


@router.post("/stream-tickets", response_model=StreamTicket, responses=errors(400, 401, 403))
async def stream_ticket(
    request: Request, response: Response, settings: SettingsDep, scope: Annotated[str | None, Depends(screen_scope)],
    access: AccessDep,
) -> StreamTicket:
    """A ticket that opens GET /v1/stream?ticket=… for this key's screen (or `?county=`'s)
    within `expires_in` seconds: a browser's EventSource cannot send the key in a header,
    and a key in a URL would end up in logs. Opens nothing else."""
    tickets: Tickets = request.app.state.tickets
    response.headers["Cache-Control"] = "no-store"
    return StreamTicket(ticket=tickets.issue(scope, access.holder), expires_in=settings.api_stream_ticket_seconds,
                        county=scope)  # fmt: skip


@router.get("/stream", response_class=EventSourceResponse, responses=errors(400, 401, 403, 429))
async def stream(
    request: Request, grant: Annotated[StreamGrant, Depends(stream_slot)]
) -> AsyncIterator[ServerSentEvent]:
    """text/event-stream: a `figures` event (a Screen as JSON, as GET /v1/screen answers)
    at once, then after every write; a `problem` event while the store fails (the figures
    follow once it is back); keep-alive comments when quiet. Ends when the client goes
    away or the API stops (EventSource then reconnects by itself), and after
    LIVEFEST_API_STREAM_MAX_SECONDS with a `renew` event (reconnect with a fresh ticket).
    Authorization: a bearer key, or `?ticket=` from POST /v1/stream-tickets."""
    scope = grant.screen
    ends = time.monotonic() + request.app.state.settings.api_stream_max_seconds
    generations: Generations = request.app.state.generations
    answers: Answers = request.app.state.answers
    closing: threading.Event = request.app.state.closing
    compute = partial(screen_json, request.app.state.store, request.app.state.settings, scope)
    connected = request.app.state.metrics.screen_streams
    connected.inc()
    try:
        yield ServerSentEvent(retry=RETRY_MS, comment="livefest screen")
        shown: str | None = None  # the generation the screen's figures include
        failing = False  # a `problem` was sent: figures follow as soon as the store answers
        while True:
            changed = await generations.wait_for_change(shown, timeout_s=CHECK_S)
            if closing.is_set():
                return  # the API is stopping: the browser reconnects by itself (RETRY_MS)
            if time.monotonic() >= ends:
                yield _renew()  # this stream has lasted long enough: a fresh ticket opens the next
                return
            if generations.problem is not None:
                if not failing:
                    yield _problem()
                    failing = True
                continue
            if changed is None and not failing:
                continue
            # A new write (or the store back): what the figures will include at least.
            generation = generations.current
            try:
                body = await answers.get(screen_key(scope), compute)
            except (StoreError, StoreUnavailable) as exc:
                log.warning("screen stream: the figures store failed: %s", exc)
                yield _problem()
                failing = True
                await anyio.sleep(RETRY_MS / 1000)
                continue
            failing, shown = False, generation
            yield ServerSentEvent(event="figures", raw_data=body.decode())
    finally:  # the screen went away (FastAPI cancels the stream) or the API stops
        connected.dec()


def _renew() -> ServerSentEvent:
    return ServerSentEvent(event="renew", data={"reason": "this stream reached its longest time; reconnect"})


def _problem() -> ServerSentEvent:
    return ServerSentEvent(event="problem", data={"error": "the figures store is unavailable; retrying"})
