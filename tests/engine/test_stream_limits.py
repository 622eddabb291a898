"""Issue 24: no stream without a cap. GET /v1/stream is limited per key and in all
(LIVEFEST_API_STREAMS_PER_KEY, LIVEFEST_API_STREAMS_TOTAL): past either, 429 with
Retry-After and a JSON body, before any stream starts; a stream whose client went away
gives its slot back, and every stream ends after LIVEFEST_API_STREAM_MAX_SECONDS with a
`renew` event (the page reconnects with a fresh ticket)."""

import re
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api.main import create_app
from services.api.server import ApiServer
from tests.engine.test_api_figures import insert
from tests.engine.test_screen_stream import events, figures_events, opened_with
from tests.support.pipeline import free_port, wait_until
from tests.support.scenario import messy

pytestmark = pytest.mark.engine

PER_KEY, TOTAL = 10, 14
KEYS = "wall:all,yd:yingde,fg:fogang"


@pytest.fixture
def served(store: Store) -> Iterator[tuple[FastAPI, str]]:
    insert(store, messy(seed=31, sessions=8, polls=4))
    settings = Settings(api_keys=KEYS, api_streams_per_key=PER_KEY, api_streams_total=TOTAL,
                        api_stream_max_seconds=600)  # fmt: skip
    app = create_app(settings, store, registry=CollectorRegistry())
    api = ApiServer(app, "127.0.0.1", free_port())
    api.start()
    try:
        yield app, api.url
    finally:
        api.stop()


def connected(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return float(re.search(r"^livefest_api_screen_streams (\S+)$", text, re.M)[1])  # type: ignore[index]


class Screen:
    """A stream opened as the page opens it, its first event read when it was accepted. The
    event iterator is kept: dropping it would close the connection."""

    def __init__(self, stack: ExitStack, url: str, key: str) -> None:
        self.response = stack.enter_context(httpx.stream("GET", opened_with(url, key), timeout=30))
        self.status_code = self.response.status_code
        if self.status_code == 200:
            self.events = figures_events(self.response)
            next(self.events)
        else:
            self.response.read()

    def close(self) -> None:
        self.response.close()


def test_many_streams_on_one_key_stop_at_its_cap_and_all_keys_at_the_total(served: tuple[FastAPI, str]):
    app, url = served
    with ExitStack() as stack:
        wall = [Screen(stack, url, "wall") for _ in range(PER_KEY + 5)]
        assert [r.status_code for r in wall] == [200] * PER_KEY + [429] * 5
        refused = wall[-1].response
        assert refused.headers["Retry-After"] == "30"
        assert refused.headers["content-type"] == "application/json"
        assert "LIVEFEST_API_STREAMS_PER_KEY" in refused.json()["error"]
        # Another key still has room, up to the process's total.
        others = [Screen(stack, url, "yd") for _ in range(TOTAL - PER_KEY)]
        assert [r.status_code for r in others] == [200] * (TOTAL - PER_KEY)
        full = Screen(stack, url, "fg")
        assert full.status_code == 429 and "LIVEFEST_API_STREAMS_TOTAL" in full.response.json()["error"]
        assert connected(url) == TOTAL == app.state.stream_slots.held()
        assert app.state.stream_slots.held("key-1") == PER_KEY  # `wall`, the first key
        # A bearer key in the header counts against the same key.
        header = httpx.get(f"{url}/v1/stream", headers={"Authorization": "Bearer wall"}, timeout=10)
        assert header.status_code == 429
        wall[0].close()  # one screen goes away: its slot is free again
        wait_until(lambda: app.state.stream_slots.held("key-1") == PER_KEY - 1, 30, "the closed stream's slot")
        wall_again = Screen(stack, url, "wall")
        assert wall_again.status_code == 200
    # Every screen gone: every slot back.
    wait_until(lambda: app.state.stream_slots.held() == 0, 30, "every slot to be given back")
    assert connected(url) == 0


def test_a_stream_ends_after_its_longest_time_and_gives_its_slot_back(store: Store):
    insert(store, messy(seed=32, sessions=6, polls=3))
    settings = Settings(api_keys=KEYS, api_streams_per_key=1, api_stream_max_seconds=2)
    app = create_app(settings, store, registry=CollectorRegistry())
    api = ApiServer(app, "127.0.0.1", free_port())
    api.start()
    try:
        for _ in range(2):  # the second stream opens once the first has ended: one slot per key
            with httpx.stream("GET", opened_with(api.url, "wall"), timeout=30) as response:
                assert response.status_code == 200
                seen = [name for name, _ in events(response)]
            assert seen[0] == "figures" and seen[-1] == "renew", seen
            wait_until(lambda: app.state.stream_slots.held() == 0, 30, "the ended stream's slot")
    finally:
        api.stop()
