"""What one API process lets its callers hold at once: open big-screen streams, per key and
in all (LIVEFEST_API_STREAMS_PER_KEY, LIVEFEST_API_STREAMS_TOTAL).

A stream costs little while it waits (one connection, one task; the figures are computed
once per write for every screen of a scope: answers.py), but without a bound one key
could hold tens of thousands of connections and starve everyone else of sockets and memory.
Past a bound the request is refused with `TooMany`, which the API answers as 429 with
`Retry-After` and a JSON body (errors.py). Callers are counted by holder: `key-N`, a key's
position in LIVEFEST_API_KEYS, or `open` when no keys are set. Other limits of a key (request
rates, heavy questions) belong beside this class and raise the same `TooMany`.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

RETRY_AFTER_S = 30  # a screen refused for want of room tries again after this long


class TooMany(Exception):
    """A limit is reached: answered 429 with this message and Retry-After."""

    def __init__(self, message: str, retry_after_s: int = RETRY_AFTER_S) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StreamSlots:
    """Open streams, at most `per_key` per holder and `total` in all. Thread-safe."""

    def __init__(self, per_key: int, total: int) -> None:
        self.per_key = per_key
        self.total = total
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, holder: str) -> Iterator[None]:
        """A slot for `holder` while the block runs; TooMany when none is free."""
        self._take(holder)
        try:
            yield
        finally:
            self._give_back(holder)

    def held(self, holder: str | None = None) -> int:
        """Slots held by `holder`, or by everyone."""
        with self._lock:
            return self._open[holder] if holder is not None else self._open.total()

    def _take(self, holder: str) -> None:
        with self._lock:
            if self._open[holder] >= self.per_key:
                raise TooMany(f"this key already has {self.per_key} open streams, the most one key may hold "
                              "(LIVEFEST_API_STREAMS_PER_KEY): close one, or retry later")  # fmt: skip
            if self._open.total() >= self.total:
                raise TooMany(f"the API already serves {self.total} streams, the most it holds open "
                              "(LIVEFEST_API_STREAMS_TOTAL): retry later")  # fmt: skip
            self._open[holder] += 1

    def _give_back(self, holder: str) -> None:
        with self._lock:
            self._open[holder] -= 1
            if self._open[holder] <= 0:
                del self._open[holder]
