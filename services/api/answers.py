"""JSON answers cached per write generation: the work per request does not grow with the
request rate, and an answer is never older than the generation it was computed in.

An answer is computed at most once per generation and key (concurrent askers share the
computation). When the background task sees a new generation, the answers asked for most
recently are recomputed first and the new generation is published only then: the big
screens' URLs flip from one complete set of answers to the next without anyone waiting,
at the cost of that recomputation in freshness. Without the background task (tests, or an
app served without its lifespan), each request probes the generation itself.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import anyio
from fastapi import Request, Response

from services.api.edge import MARK
from services.api.generation import Generations

# Computes an answer from the store, on a worker thread: JSON bytes, or whatever the route
# needs to finish its answer (a session's county and JSON, say). Results are shared: treat
# them as immutable.
Compute = Callable[[], Any]


class Answers:
    def __init__(
        self, generations: Generations, max_entries: int = 512, warm_limit: int = 8, warm_horizon_s: float = 10.0
    ) -> None:
        self.generations = generations
        self.max_entries = max_entries
        self.warm_limit = warm_limit
        self.warm_horizon_s = warm_horizon_s
        self._generation: str | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}
        # key -> (compute, when last asked, asks in a row within the horizon): what to
        # recompute on a new generation
        self._asked: OrderedDict[Hashable, tuple[Compute, float, int]] = OrderedDict()

    async def get(self, key: Hashable, compute: Compute) -> Any:
        """The answer for `key` in the current generation, computing it (on a worker thread)
        if nobody has yet."""
        self._remember(key, compute)
        generation = self.generations.current
        if generation is None:
            generation = await self.generations.probe()
        if generation != self._generation:
            self._start(generation, {})
        if key in self._entries:
            return self._entries[key]
        return await self._compute_once(generation, key, compute)

    async def _compute_once(self, generation: str, key: Hashable, compute: Compute) -> Any:
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            answer = await anyio.to_thread.run_sync(compute)
            future.set_result(answer)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        finally:
            if self._pending.get(key) is future:
                del self._pending[key]
        if self._generation == generation:
            self._store(key, answer)
        return answer

    async def warm(self, generation: str) -> None:
        """Recompute the most recently asked answers for `generation`, then make it current
        (called by the background task before it publishes the generation)."""
        # Only hot questions (asked again within the horizon, as screens and panels poll):
        # a scan over many keys must not make every write cost their recomputation.
        since = time.monotonic() - self.warm_horizon_s
        recent = [(key, compute) for key, (compute, asked, asks) in self._asked.items() if asked >= since and asks > 1]
        results = await asyncio.gather(
            *(anyio.to_thread.run_sync(compute) for _, compute in recent), return_exceptions=True
        )
        fresh = {
            key: answer
            for (key, _), answer in zip(recent, results, strict=True)
            if not isinstance(answer, BaseException)
        }
        self._start(generation, fresh)

    def _start(self, generation: str, entries: dict[Hashable, Any]) -> None:
        self._generation = generation
        self._entries = OrderedDict(entries)
        # Computations under way belong to the old generation: later askers start anew.
        self._pending = {}

    def _store(self, key: Hashable, answer: Any) -> None:
        self._entries[key] = answer
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def _remember(self, key: Hashable, compute: Compute) -> None:
        now = time.monotonic()
        _, last, asks = self._asked.get(key, (compute, now, 0))
        self._asked[key] = (compute, now, asks + 1 if now - last <= self.warm_horizon_s else 1)
        self._asked.move_to_end(key)
        while len(self._asked) > self.warm_limit:
            self._asked.popitem(last=False)


async def answer(request: Request, key: Hashable, compute: Compute) -> Any:
    """`compute()`'s result for `key` in the store's current write generation. The
    response is marked as such, so the edge (services/api/edge.py) may repeat it."""
    answers: Answers = request.app.state.answers
    request.scope[MARK] = True
    return await answers.get(key, compute)


def json_response(body: bytes) -> Response:
    # Already validated and serialised by the response model when it was computed.
    return Response(body, media_type="application/json")
