"""GET /v1/stream (Server-Sent Events) from a real server on the embedded engine: the first
event is the screen as it stands, the next comes after a write; keys as for /v1/screen,
also as ?access_token= (EventSource cannot send headers). And GET /screen's files."""

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api.main import create_app
from services.api.server import ApiServer
from tests.engine.test_api_figures import insert
from tests.support.pipeline import free_port, wait_until
from tests.support.scenario import messy
from tests.support.screen_truth import expected_screen

pytestmark = pytest.mark.engine


@pytest.fixture
def server(store: Store) -> Iterator[str]:
    api = ApiServer(create_app(Settings(api_keys="k-all:all,k-yd:yingde"), store, registry=CollectorRegistry()),
                    "127.0.0.1", free_port())
    api.start()
    try:
        yield api.url
    finally:
        api.stop()


def figures_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The `figures` events of a text/event-stream, parsed (other events and comments skipped)."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
            continue
        if fields.get("event") == "figures":
            yield json.loads(fields["data"])
        fields = {}


def test_the_stream_pushes_the_screen_now_and_after_each_write(store: Store, server: str):
    first, second = messy(seed=3, sessions=10, polls=10), messy(seed=4, sessions=10, polls=10)
    insert(store, first)
    with httpx.stream("GET", f"{server}/v1/stream?access_token=k-all", timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = figures_events(response)
        now = next(events)
        assert now.pop("stale_after_s") == 60 and now == expected_screen(first, [], None)
        insert(store, second)
        both = type(first)(snapshots=first.snapshots + second.snapshots)
        later = next(events)
        while later["as_of"] != expected_screen(both, [], None)["as_of"]:  # written in batches
            later = next(events)
        later.pop("stale_after_s")
        assert later == expected_screen(both, [], None)


def test_a_screen_that_goes_away_ends_its_stream(store: Store, server: str):
    def connected() -> float:
        text = httpx.get(f"{server}/metrics", timeout=10).text
        return float(re.search(r"^livefest_api_screen_streams (\S+)$", text, re.M)[1])  # type: ignore[index]

    assert connected() == 0
    with httpx.stream("GET", f"{server}/v1/stream?access_token=k-all", timeout=30) as response:
        events = figures_events(response)  # kept: dropping it would close the connection
        next(events)
        assert connected() == 1
    wait_until(lambda: connected() == 0, 30, "the server to end the stream of a closed connection")


def test_the_stream_asks_for_a_key_like_every_v1_route(store: Store, server: str):
    insert(store, messy(seed=5, sessions=12, polls=5))
    assert httpx.get(f"{server}/v1/stream", timeout=10).status_code == 401
    assert httpx.get(f"{server}/v1/stream?access_token=nope", timeout=10).status_code == 401
    assert httpx.get(f"{server}/v1/stream?access_token=k-yd&county=fogang", timeout=10).status_code == 403
    headers = {"Authorization": "Bearer k-yd"}
    with httpx.stream("GET", f"{server}/v1/stream", headers=headers, timeout=30) as response:
        assert next(figures_events(response))["county"] == "yingde"
    with httpx.stream("GET", f"{server}/v1/stream?access_token=k-yd", timeout=30) as response:
        mine = next(figures_events(response))
    assert mine["county"] == "yingde" and {r["county"] for r in mine["top_rooms"]} <= {"yingde"}


def test_the_page_and_everything_it_loads_come_from_livefest(store: Store, server: str):
    page = httpx.get(f"{server}/screen", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/screen/vendor/echarts.min.js" in loaded
    for path in loaded:
        if path.startswith("data:"):
            continue
        assert path.startswith("/"), f"{path} is not served by livefest"
        assert httpx.get(f"{server}{path}", timeout=10).status_code == 200, path
    echarts = httpx.get(f"{server}/screen/vendor/echarts.min.js", timeout=10)
    assert echarts.headers["content-type"].startswith("text/javascript") and "Apache" in echarts.text[:2000]
    for missing in ("/screen/assets/nope.js", "/screen/assets/index.html", "/screen/assets/..%2Fpackage.json"):
        assert httpx.get(f"{server}{missing}", timeout=10).status_code == 404, missing
