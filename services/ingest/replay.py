"""Replays a simulated festival into Kafka at a speed factor, with the disorder real
adapters produce: retried (duplicate) messages, late and out-of-order snapshots, and
the odd malformed message (which must land in the dead-letter topic)."""

import logging
import random
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.snapshot import Snapshot
from services.ingest.publisher import SnapshotPublisher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Disorder:
    duplicate_rate: float = 0.01
    delay_rate: float = 0.01
    delay: timedelta = timedelta(seconds=45)
    garbage_rate: float = 0.0005

    @classmethod
    def none(cls) -> "Disorder":
        return cls(0.0, 0.0, timedelta(0), 0.0)


@dataclass(frozen=True)
class Outgoing:
    due: datetime  # event time at which it is sent
    key: bytes | None
    value: bytes


GARBAGE = (
    b"{not json",
    b'{"schema": "livefest.snapshot.v1", "platform": "douyin"}',
    b'{"schema": "livefest.snapshot.v0"}',
    b"[1, 2, 3]",
)


def disordered(
    snapshots: Iterable[Snapshot], disorder: Disorder, seed: int = 7
) -> Iterator[Outgoing]:
    """The snapshots as an adapter fleet would send them. Deterministic for a seed."""
    rng = random.Random(seed)
    held: list[Outgoing] = []
    for snapshot in snapshots:
        now = snapshot.observed_at
        ready = [o for o in held if o.due <= now]
        held = [o for o in held if o.due > now]
        yield from ready
        message = Outgoing(now, snapshot.session_id.encode(), snapshot.to_json_bytes())
        roll = rng.random()
        if roll < disorder.delay_rate:
            held.append(Outgoing(now + disorder.delay, message.key, message.value))
        else:
            yield message
        if rng.random() < disorder.duplicate_rate:
            held.append(
                Outgoing(now + timedelta(seconds=rng.randint(1, 20)), message.key, message.value)
            )
        if rng.random() < disorder.garbage_rate:
            yield Outgoing(now, message.key, rng.choice(GARBAGE))
    yield from sorted(held, key=lambda o: o.due)


def replay(
    publisher: SnapshotPublisher,
    outgoing: Iterable[Outgoing],
    start: datetime,
    speed: float,
    stop: threading.Event,
) -> int:
    """Send each message when the scaled clock reaches its event time; returns the count."""
    wall_start = time.monotonic()
    sent = 0
    for message in outgoing:
        if stop.is_set():
            break
        wait = wall_start + (message.due - start).total_seconds() / speed - time.monotonic()
        if wait > 0 and stop.wait(wait):
            break
        publisher.publish_raw(message.key, message.value)
        sent += 1
    publisher.flush()
    log.info("simulator finished: %d messages published", sent)
    return sent
