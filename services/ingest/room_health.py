"""Which configured rooms keep failing: consecutive failed reads per room (pure, no I/O).

A room whose figures cannot be read is frozen on the big screen while the rest of its
platform is fine, so it must show up on its own, not as a platform failure. The poller
records every room read here; `failing()` is what `livefest_ingest_rooms_failing` exports
(a count per platform: room ids never become labels) and what the log names.
"""

from collections.abc import Iterable

FAILING_AFTER = 3  # consecutive failed reads; one glitch (retried next cycle) is not a failing room


class RoomStreaks:
    """Consecutive failed reads per room id; a success resets a room's streak."""

    def __init__(self, threshold: int = FAILING_AFTER) -> None:
        self.threshold = threshold
        self._streaks: dict[str, int] = {}

    def record(self, room_id: str, ok: bool) -> bool:
        """Count one read; True exactly when this read makes the room start failing."""
        streak = 0 if ok else self._streaks.get(room_id, 0) + 1
        self._streaks[room_id] = streak
        return streak == self.threshold

    def keep_only(self, room_ids: Iterable[str]) -> None:
        """Forget rooms no longer read (ended, no longer listed): they are not failing."""
        keep = set(room_ids)
        self._streaks = {room: n for room, n in self._streaks.items() if room in keep}

    def failing(self) -> list[str]:
        """Rooms whose last `threshold` reads or more all failed, sorted."""
        return sorted(room for room, n in self._streaks.items() if n >= self.threshold)
