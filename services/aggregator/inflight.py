"""Batches stored at once, acknowledged in delivery order (write, then acknowledge).

Up to `limit` batches are stored concurrently: ClickHouse works on one or two inserts while
this process decodes the next batch, instead of the event loop waiting for each insert.
What stays as before is the order of acknowledgements, which is the exactness guarantee:

  - a batch is acknowledged only once it is stored *and* every batch delivered before it has
    been acknowledged: a later write that finishes first waits for the earlier ones;
  - if storing or acknowledging a batch fails, no batch after it is acknowledged, even one
    already stored; `on_failure` is called at once (the agent halts the consumer: nothing
    more is acknowledged or committed, crash-only) and `add`/`drain` raise the failure;
  - `cancel` (a stop, a rebalance that stops the agent) stops every batch in flight: none of
    them is acknowledged afterwards, stored or not. They are read and written again after the
    restart, which the idempotent tables absorb.
"""

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any


class EarlierBatchFailed(RuntimeError):
    """This batch was not acknowledged because one delivered before it failed or was stopped."""


class InFlight:
    """See the module docstring. Use from one task: `add` per delivery, then `drain`."""

    def __init__(self, limit: int, on_failure: Callable[[BaseException], Awaitable[None]]) -> None:
        if limit < 1:
            raise ValueError(f"at least one batch must be in flight, not {limit}")
        self.limit = limit
        self.on_failure = on_failure
        self._batches: deque[asyncio.Task[None]] = deque()
        self._failure: BaseException | None = None  # the first batch that failed, once one has

    def __len__(self) -> int:
        return len(self._batches)

    async def add(self, store: Awaitable[Any], ack: Callable[[], Any]) -> None:
        """Wait until fewer than `limit` batches are in flight (raising the failure of one
        that failed), then start `store`; `ack` is called once it is stored and every batch
        added before it has been acknowledged."""
        try:
            while len(self._batches) >= self.limit:
                await self._retire_oldest()
            if self._failure is not None:  # crash-only: no write starts after a failure
                raise self._failure
        except BaseException:
            _discard(store)
            raise
        previous = self._batches[-1] if self._batches else None
        self._batches.append(asyncio.ensure_future(self._store_then_ack(store, ack, previous)))

    async def drain(self) -> None:
        """Wait for every batch in flight to be acknowledged; raise the first failure."""
        while self._batches:
            await self._retire_oldest()

    async def cancel(self) -> None:
        """Stop every batch in flight and wait until each has unwound (a write running in a
        thread is waited for: see steps.write_rows). None is acknowledged after this."""
        batches = list(self._batches)
        self._batches.clear()
        for batch in batches:
            batch.cancel()
        await asyncio.gather(*batches, return_exceptions=True)

    async def _retire_oldest(self) -> None:
        oldest = self._batches[0]
        try:
            await asyncio.shield(oldest)  # a cancelled caller leaves the batch to `cancel`
        finally:
            if oldest.done():
                self._batches.popleft()

    async def _store_then_ack(self, store: Awaitable[Any], ack: Callable[[], Any],
                              previous: "asyncio.Task[None] | None") -> None:
        try:
            await store
            if previous is not None:
                # asyncio.wait, not `await previous`: cancelling this batch must not cancel
                # the one before it.
                await asyncio.wait({previous})
                if previous.cancelled() or previous.exception() is not None:
                    raise EarlierBatchFailed("a batch delivered before this one was not acknowledged")
            ack()
        except asyncio.CancelledError:
            _discard(store)
            raise
        except EarlierBatchFailed:
            raise
        except Exception as exc:  # halt at once, not when this batch is retired
            self._failure = self._failure or exc
            await self.on_failure(exc)
            raise


def _discard(store: Awaitable[Any]) -> None:
    """A store that will never run (stopped before it started): closed, so that Python does
    not warn of a coroutine never awaited. Closing one that ran already does nothing."""
    if inspect.iscoroutine(store):
        store.close()
