"""Issue 24: the open /metrics costs no ClickHouse query per scrape. 200 anonymous scrapes
at once used to run 400 queries (and made a keyed /v1/totals 90 times slower); the
operational gauges are now read once per write generation by the API's generation
watcher, and every scrape serves that reading, exact for the generation it is in."""

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api import festival_health, queries
from services.api.main import create_app
from services.api.server import ApiServer
from tests.engine.test_api_figures import insert
from tests.support.pipeline import free_port, wait_until
from tests.support.scenario import messy

pytestmark = pytest.mark.engine

SCRAPES = 200


class CountingStore:
    """Every statement the API's store sends, by kind, counted (Store._call wrapped)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: Counter[str] = Counter()
        call = Store._call

        def counted(store: Store, method: str, sql: Any = "", *args: Any, **kwargs: Any) -> Any:
            self.sent[self.kind(str(sql))] += 1
            return call(store, method, sql, *args, **kwargs)

        monkeypatch.setattr(Store, "_call", counted)

    @staticmethod
    def kind(sql: str) -> str:
        if sql == queries.GENERATION or sql == queries.GENERATION_CLUSTER:
            return "generation probe"
        if sql == festival_health.SILENT_BY_PLATFORM:
            return "silent sessions"
        return "other"


@pytest.fixture
def served(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FastAPI, str, CountingStore, list[str]]]:
    counting = CountingStore(monkeypatch)
    app = create_app(Settings(api_keys="bureau:all"), store, registry=CollectorRegistry())
    published: list[str] = []
    publish = app.state.generations.publish
    app.state.generations.publish = lambda generation: (published.append(generation), publish(generation))
    api = ApiServer(app, "127.0.0.1", free_port())
    api.start()
    try:
        yield app, api.url, counting, published
    finally:
        api.stop()


def watermark(text: str) -> float | None:
    found = re.search(r"^livefest_festival_watermark_seconds (\S+)$", text, re.M)
    return float(found[1]) if found else None


async def scrape_all(url: str) -> tuple[list[httpx.Response], httpx.Response]:
    """SCRAPES anonymous scrapes at once, and a keyed /v1/totals among them."""
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=SCRAPES + 1)) as client:
        scrapes = [client.get(f"{url}/metrics") for _ in range(SCRAPES)]
        totals = client.get(f"{url}/v1/totals", headers={"Authorization": "Bearer bureau"})
        *answers, keyed = await asyncio.gather(*scrapes, totals)
    return answers, keyed


def test_scrapes_cost_no_query_and_the_gauges_are_read_once_per_generation(
    store: Store, served: tuple[FastAPI, str, CountingStore, list[str]]
):
    app, url, counting, published = served
    first = messy(seed=41, sessions=20, polls=12)
    insert(store, first)
    wait_until(lambda: watermark(httpx.get(f"{url}/metrics").text) == first.watermark.timestamp(), 60,
               "the gauges of the first write")  # fmt: skip
    # The write came in several batches: wait for the reading of the last one's generation.
    health, generations = app.state.festival_health, app.state.generations
    wait_until(lambda: health.read_for == generations.current, 30, "the gauges of the current generation")
    counting.sent.clear()
    generations_before = len(published)

    answers, keyed = asyncio.run(scrape_all(url))

    assert keyed.status_code == 200 and keyed.json()["sessions"] == len(first.figures)
    assert all(a.status_code == 200 for a in answers)
    assert {watermark(a.text) for a in answers} == {first.watermark.timestamp()}
    assert all("livefest_festival_scrape_ok 1.0" in a.text for a in answers)
    new_generations = len(published) - generations_before  # a background merge may have made one
    # No write: no reading of the gauges; the only other statements are /v1/totals' own.
    assert counting.sent["silent sessions"] <= new_generations, counting.sent
    assert counting.sent["other"] <= 3 + 2 * new_generations, counting.sent

    # A write: a new generation, read once (two statements), and every scrape serves it.
    second = messy(seed=42, sessions=20, polls=12)
    insert(store, second)
    both = max(first.watermark, second.watermark).timestamp()
    wait_until(lambda: watermark(httpx.get(f"{url}/metrics").text) == both, 60, "the gauges of the second write")
    readings = counting.sent["silent sessions"]
    assert 1 <= readings <= len(published) - generations_before, (counting.sent, len(published))
