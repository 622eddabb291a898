"""The open /metrics page rendered at most once at a time.

Anyone who reaches the API may scrape /metrics, as often as they like. Each rendering is
CPU work in the API's process (the registry's every series, formatted): 200 scrapes
rendering at once would take every worker thread and most of the GIL from the keyed
requests. So one rendering runs at a time, on a thread of its own, and every scrape that
arrives while it runs is answered with it: a flood costs about one rendering per
rendering's time, whatever its size. A scrape never gets text older than its own arrival
by more than one rendering.
"""

import asyncio

import anyio
from prometheus_client import CollectorRegistry, generate_latest


class Exposition:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._rendering: asyncio.Future[bytes] | None = None
        self._thread: anyio.CapacityLimiter | None = None  # made in the event loop that uses it

    async def render(self) -> bytes:
        """The registry's text, shared with every scrape waiting for the same rendering."""
        if self._rendering is None:
            self._rendering = asyncio.ensure_future(self._render())
        rendering = self._rendering
        return await asyncio.shield(rendering)

    async def _render(self) -> bytes:
        if self._thread is None:
            self._thread = anyio.CapacityLimiter(1)
        try:
            return await anyio.to_thread.run_sync(generate_latest, self.registry, limiter=self._thread)
        finally:
            self._rendering = None
