"""The simulator's event-time clock: the festival at `speed` times real time, skipping
the hours in which nothing is on air (the festival spans three weeks; its broadcasts a
few dozen hours), so a replay never waits for the next evening."""

import threading
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PAD = timedelta(seconds=30)


@dataclass(frozen=True)
class Segment:
    begin: datetime  # event time
    end: datetime
    offset: float  # compressed seconds before `begin`


def timeline(intervals: Iterable[tuple[datetime, datetime]], pad: timedelta = PAD) -> list[Segment]:
    """The merged on-air intervals (widened by `pad`), each with its compressed offset."""
    merged: list[list[datetime]] = []
    for begin, end in sorted(intervals):
        if merged and begin - pad <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end + pad)
        else:
            merged.append([begin - pad, end + pad])
    segments, offset = [], 0.0
    for begin, end in merged:
        segments.append(Segment(begin, end, offset))
        offset += (end - begin).total_seconds()
    return segments


def event_time(segments: list[Segment], compressed: float) -> datetime:
    """Event time after `compressed` seconds of on-air time; runs on past the last segment."""
    offsets = [s.offset for s in segments]
    segment = segments[max(0, bisect_right(offsets, compressed) - 1)]
    return segment.begin + timedelta(seconds=compressed - segment.offset)


def length(segments: list[Segment]) -> float:
    last = segments[-1]
    return last.offset + (last.end - last.begin).total_seconds()


class SimClock:
    """Event time now. Thread-safe; `speed` event seconds pass per wall second."""

    def __init__(self, segments: list[Segment], speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.segments = segments
        self.speed = speed
        self._wall0 = time.monotonic()
        self._lock = threading.Lock()

    def compressed(self) -> float:
        return (time.monotonic() - self._wall0) * self.speed

    def now(self) -> datetime:
        with self._lock:
            return event_time(self.segments, self.compressed())

    @property
    def finished(self) -> bool:
        return self.compressed() >= length(self.segments)

    def wall_seconds_left(self) -> float:
        return max(0.0, (length(self.segments) - self.compressed()) / self.speed)
