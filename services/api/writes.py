"""When a batch has been written: the one thing the big screen's stream waits for.

`Writes.wait_for_change(seen, timeout_s)` answers a token naming what the store holds, once
it differs from `seen`. Stand-in until issue 11's write-generation watcher
(services/api/generation.py: one background task per process with an in-process broadcast,
the same `wait_for_change`) is on main; then `app.state.generations` replaces this class.

Here every waiter shares one probe per `poll_s`, so the store sees at most one cheap read
of system.parts per poll however many screens are connected.
"""

import asyncio
import time

import anyio

from kernel.clickhouse import Store

# The active data parts of the tables the screen reads: any insert (each aggregator batch,
# and the views it feeds), merge or mutation changes the digest.
PROBE = """
    SELECT toInt64(count()) AS parts,
           toString(groupBitXor(cityHash64(table, name, modification_time, rows))) AS digest
    FROM system.parts
    WHERE database = currentDatabase() AND active
      AND table IN ('snapshots', 'session_newest', 'session_closings', 'topic_stats', 'topic_state')
"""


def probe(store: Store) -> str:
    parts, digest = store.rows(PROBE)[0]
    return f"{parts}-{digest}"


class Writes:
    def __init__(self, store: Store, poll_s: float = 0.5) -> None:
        self.store = store
        self.poll_s = poll_s
        self._token: str | None = None
        self._probed_at = -float("inf")
        self._lock = asyncio.Lock()

    async def current(self) -> str:
        """The store's token, probed at most once per `poll_s` for all callers."""
        async with self._lock:
            if time.monotonic() - self._probed_at >= self.poll_s:
                self._token = await anyio.to_thread.run_sync(probe, self.store)
                self._probed_at = time.monotonic()
            assert self._token is not None
            return self._token

    async def wait_for_change(self, seen: str | None, timeout_s: float | None = None) -> str | None:
        """The token once it differs from `seen` (at once when `seen` is None); None after
        `timeout_s`."""
        with anyio.move_on_after(timeout_s):
            while (token := await self.current()) == seen:
                await anyio.sleep(self.poll_s)
            return token
        return None
