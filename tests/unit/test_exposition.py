"""The open /metrics page is rendered at most once at a time (services/api/exposition.py):
a flood of simultaneous scrapes shares renderings instead of taking every worker thread."""

import asyncio
import threading
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.api.exposition import Exposition


class Slow(Collector):
    """A collector that takes a while and counts how often (and how many at once) it runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            self.runs += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        yield GaugeMetricFamily("livefest_test_runs", "Renderings so far.", value=self.runs)


async def test_simultaneous_scrapes_share_one_rendering():
    registry, slow = CollectorRegistry(), Slow()
    registry.register(slow)
    exposition = Exposition(registry)
    pages = await asyncio.gather(*(exposition.render() for _ in range(200)))
    assert slow.runs == 1 and len(set(pages)) == 1
    assert b"livefest_test_runs 1.0" in pages[0]


async def test_a_scrape_after_a_rendering_gets_a_fresh_one_and_never_two_run_at_once():
    registry, slow = CollectorRegistry(), Slow()
    registry.register(slow)
    exposition = Exposition(registry)
    first = await exposition.render()
    second = await exposition.render()
    assert (b"livefest_test_runs 1.0" in first, b"livefest_test_runs 2.0" in second) == (True, True)

    async def staggered(n: int) -> bytes:
        await asyncio.sleep(n * 0.01)
        return await exposition.render()

    await asyncio.gather(*(staggered(n) for n in range(30)))
    assert slow.most_at_once == 1 and 3 <= slow.runs <= 2 + 30
