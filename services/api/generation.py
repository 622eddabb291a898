"""The store's write generation, and an in-process broadcast of its changes.

Every figure the API serves is a function of what the tables hold (the watermark is event
time, not the clock), so an answer stays right until the next write. The generation names
the set of active data parts of the tables the API reads: an insert (every batch the
aggregator writes, and the materialised views it feeds), a merge, a mutation or a drop
changes it. Merges change it without changing any figure; that costs a recomputation,
never a wrong answer.

One background task per API process polls it (`watch`); `wait_for_change` lets any
coroutine (the answer cache, and the big screens' Server-Sent Events: routes/screen.py)
wake when a batch has been written; `problem` says the last poll failed; `after_poll`
hooks (the open /metrics' gauges: festival_health.py) hear every generation seen.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import anyio

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from kernel.layout import Layout
from services.api import queries

log = logging.getLogger(__name__)


def probe(store: Store) -> str:
    """The current generation of `store`'s database (a cheap read of system.parts; on a
    cluster, of every node's)."""
    if store.cluster is None:
        parts, digest = store.rows(queries.GENERATION, {"tables": list(queries.GENERATION_TABLES)})[0]
    else:
        local = [Layout(cluster=store.cluster).local(table) for table in queries.GENERATION_TABLES]
        parameters = {"cluster": store.cluster, "database": store.database, "tables": local}
        parts, digest = store.rows(queries.GENERATION_CLUSTER, parameters)[0]
    return f"{parts}-{digest}"


class Generations:
    """The last generation seen, and a broadcast to whoever waits for the next one.

    `current` is None until `watch` has run once: callers then probe for themselves (an
    app without its background task, as in tests, is exact, just not as cheap).
    """

    def __init__(self, store: Store, poll_s: float) -> None:
        self.store = store
        self.poll_s = poll_s
        self.current: str | None = None
        self.problem: str | None = None  # why the last poll failed; None once one succeeds
        self.watching = False  # True while `watch` runs
        self._changed = asyncio.Event()

    async def probe(self) -> str:
        return await anyio.to_thread.run_sync(probe, self.store)

    async def wait_for_change(self, seen: str | None, timeout_s: float | None = None) -> str | None:
        """The generation once it differs from `seen` (None after `timeout_s`)."""
        with anyio.move_on_after(timeout_s):
            while self.current is None or self.current == seen:
                await self._changed.wait()
            return self.current
        return None

    def publish(self, generation: str) -> None:
        self.current = generation
        # Wake every waiter, then arm a fresh event for the next change.
        self._changed.set()
        self._changed = asyncio.Event()

    async def watch(
        self, before_publish: Callable[[str], Awaitable[None]],
        after_poll: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        """Poll forever; on a new generation, await `before_publish(generation)` (the cache
        recomputes its hot answers), then publish it; after every successful poll, await
        `after_poll(generation)` (which must not block). Errors are logged and the poll goes
        on: answers stay those of the last generation seen until a probe succeeds."""
        self.watching = True
        while True:
            try:
                generation = await self.probe()
                if self.problem is not None:
                    log.info("write generation readable again")
                self.problem = None
                if generation != self.current:
                    await before_publish(generation)
                    self.publish(generation)
                if after_poll is not None:
                    await after_poll(generation)
            except (StoreError, StoreUnavailable) as exc:
                problem = str(exc) or type(exc).__name__
                if problem != self.problem:  # once per problem, not ten times a second
                    log.warning("write generation unavailable: %s", exc)
                self.problem = problem
            except Exception as exc:  # the watcher must outlive anything one poll meets
                log.exception("write generation poll failed")
                self.problem = str(exc) or type(exc).__name__
            await asyncio.sleep(self.poll_s)
