"""GET /v1/stream (Server-Sent Events) from a real server on the embedded engine: the first
event is the screen as it stands, the next comes after a write (the process's write-
generation watcher wakes the streams), computed once per write and scope however many
screens watch; a `problem` while the store is unreachable; keys as for /v1/screen, in the
header, or a stream ticket from POST /v1/stream-tickets in the URL (EventSource cannot send
headers; a key never goes in a URL). And GET /screen's files."""

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store, StoreUnavailable
from kernel.settings import Settings
from services.api import generation, screen_figures
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


def opened_with(server: str, key: str | None, county: str | None = None) -> str:
    """The stream's URL with a fresh ticket, as the page opens it (the key in a header)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    granted = httpx.post(f"{server}/v1/stream-tickets", params={"county": county} if county else {},
                         headers=headers, timeout=10)  # fmt: skip
    assert granted.status_code == 200, granted.text
    return f"{server}/v1/stream?ticket={granted.json()['ticket']}"


def events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """The named events of a text/event-stream, (name, data parsed); comments skipped."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
            continue
        if "event" in fields:
            yield fields["event"], json.loads(fields["data"])
        fields = {}


def figures_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The `figures` events of a text/event-stream, parsed (other events and comments skipped)."""
    return (data for name, data in events(response) if name == "figures")


def assert_reaches(figures: Iterator[dict[str, Any]], expected: dict[str, Any], timeout_s: float = 60) -> None:
    """The stream's figures come to `expected` (a scenario is written in several batches:
    the screens see each write on the way)."""
    deadline, got = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if (got := next(figures)) == expected:
            return
    assert got == expected


def test_the_stream_pushes_the_screen_now_and_after_each_write(store: Store, server: str):
    first, second = messy(seed=3, sessions=10, polls=10), messy(seed=4, sessions=10, polls=10)
    insert(store, first)
    with httpx.stream("GET", opened_with(server, "k-all"), timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = figures_events(response)
        now = next(events)
        assert now.pop("stale_after_s") == 60 and now == expected_screen(first, [], None)
        insert(store, second)
        both = type(first)(snapshots=first.snapshots + second.snapshots)
        assert_reaches(events, {**expected_screen(both, [], None), "stale_after_s": 60})


def test_one_computation_per_write_however_many_screens_watch(store: Store, monkeypatch: pytest.MonkeyPatch):
    computed: Counter[str | None] = Counter()
    compute = screen_figures.screen

    def counted(store: Store, settings: Settings, county: str | None):  # type: ignore[no-untyped-def]
        computed[county] += 1
        return compute(store, settings, county)

    monkeypatch.setattr(screen_figures, "screen", counted)
    app = create_app(Settings(api_keys="k-all:all,k-yd:yingde"), store, registry=CollectorRegistry())
    published: list[str] = []
    publish = app.state.generations.publish

    def counted_publish(generation: str) -> None:
        published.append(generation)
        publish(generation)

    app.state.generations.publish = counted_publish
    api = ApiServer(app, "127.0.0.1", free_port())
    first, second = messy(seed=6, sessions=10, polls=10), messy(seed=7, sessions=10, polls=10)
    both = type(first)(snapshots=first.snapshots + second.snapshots)
    insert(store, first)
    api.start()
    try:
        with ExitStack() as stack:
            keys = ["k-all"] * 4 + ["k-yd"] * 3
            streams = [
                figures_events(stack.enter_context(
                    httpx.stream("GET", opened_with(api.url, key), timeout=30)
                ))
                for key in keys
            ]  # fmt: skip
            for key, stream in zip(keys, streams, strict=True):
                assert next(stream) == {**expected_screen(first, [], None if key == "k-all" else "yingde"),
                                        "stale_after_s": 60}  # fmt: skip
            insert(store, second)
            for key, stream in zip(keys, streams, strict=True):
                want = expected_screen(both, [], None if key == "k-all" else "yingde")
                assert_reaches(stream, {**want, "stale_after_s": 60})
    finally:
        api.stop()
    # Each write generation's screen of each scope at most once (at least twice here: before
    # and after the second write), not once per stream.
    assert 2 <= computed[None] <= len(published), (computed, len(published))
    assert 2 <= computed["yingde"] <= len(published), (computed, len(published))
    assert set(computed) == {None, "yingde"}


def test_the_stream_says_when_the_store_is_unreachable_then_resumes(
    store: Store, server: str, monkeypatch: pytest.MonkeyPatch
):
    scenario = messy(seed=9, sessions=8, polls=8)
    insert(store, scenario)
    expected = {**expected_screen(scenario, [], None), "stale_after_s": 60}
    probe = generation.probe

    def unreachable(store: Store) -> str:
        raise StoreUnavailable("test: ClickHouse is away")

    with httpx.stream("GET", opened_with(server, "k-all"), timeout=30) as response:
        stream = events(response)
        assert next(stream) == ("figures", expected)
        monkeypatch.setattr(generation, "probe", unreachable)  # the watcher's next poll fails
        event = next(stream)
        while event[0] == "figures":
            # A generation seen before the swap (a background merge of the fresh inserts)
            # may still be pushed first; its figures are the same.
            assert event == ("figures", expected)
            event = next(stream)
        assert event == ("problem", {"error": "the figures store is unavailable; retrying"})
        monkeypatch.setattr(generation, "probe", probe)
        assert next(stream) == ("figures", expected)  # back: the screen shows it again


def test_a_screen_that_goes_away_ends_its_stream(store: Store, server: str):
    def metric(pattern: str) -> float:
        text = httpx.get(f"{server}/metrics", timeout=10).text
        return float(re.search(pattern, text, re.M)[1])  # type: ignore[index]

    def connected() -> float:
        return metric(r"^livefest_api_screen_streams (\S+)$")

    assert connected() == 0
    held_s = 3.0
    with httpx.stream("GET", opened_with(server, "k-all"), timeout=30) as response:
        events = figures_events(response)  # kept: dropping it would close the connection
        next(events)
        assert connected() == 1
        time.sleep(held_s)
    wait_until(lambda: connected() == 0, 30, "the server to end the stream of a closed connection")
    # Its latency is the time to open it, not the time it was watched.
    opened_s = metric(r'^livefest_api_request_seconds_sum\{route="/v1/stream",status="2xx"\} (\S+)$')
    assert 0 < opened_s < held_s


def test_the_stream_asks_for_a_key_like_every_v1_route(store: Store, server: str):
    insert(store, messy(seed=5, sessions=12, polls=5))
    assert httpx.get(f"{server}/v1/stream", timeout=10).status_code == 401
    assert httpx.post(f"{server}/v1/stream-tickets", timeout=10).status_code == 401
    assert httpx.post(f"{server}/v1/stream-tickets", headers={"Authorization": "Bearer nope"}).status_code == 401
    refused = httpx.post(f"{server}/v1/stream-tickets?county=fogang", headers={"Authorization": "Bearer k-yd"})
    assert refused.status_code == 403
    headers = {"Authorization": "Bearer k-yd"}
    with httpx.stream("GET", f"{server}/v1/stream", headers=headers, timeout=30) as response:
        assert next(figures_events(response))["county"] == "yingde"
    with httpx.stream("GET", opened_with(server, "k-yd"), timeout=30) as response:
        mine = next(figures_events(response))
    assert mine["county"] == "yingde" and {r["county"] for r in mine["top_rooms"]} <= {"yingde"}


def test_a_key_in_the_url_opens_nothing_and_a_ticket_opens_its_stream_only(store: Store, server: str):
    """Issue 24: keys in URLs end up in access logs. The stream takes a ticket instead: not
    a key anywhere else, for its own screen only, and not after it expires."""
    insert(store, messy(seed=8, sessions=8, polls=4))
    for key in ("k-all", "k-yd"):
        assert httpx.get(f"{server}/v1/stream?access_token={key}", timeout=10).status_code == 401
    yingde = opened_with(server, "k-yd")
    ticket = yingde.split("ticket=")[1]
    assert httpx.get(f"{yingde}&county=fogang", timeout=10).status_code == 403  # its screen only
    assert httpx.get(f"{yingde}&county=city", timeout=10).status_code == 403
    for path in ("/v1/screen", "/v1/totals?county=yingde", "/v1/metrics"):  # a ticket is no key
        assert httpx.get(f"{server}{path}", headers={"Authorization": f"Bearer {ticket}"}).status_code == 401, path
        assert httpx.get(f"{server}{path}", params={"ticket": ticket}).status_code == 401, path
    forged = ticket.replace("yingde.", "fogang.", 1)
    tampered = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
    for bad in (forged, tampered, "", "x" * 201, "a.b.c.d", ticket + ".x"):
        assert httpx.get(f"{server}/v1/stream", params={"ticket": bad}, timeout=10).status_code in (400, 401), bad
    city = opened_with(server, "k-all")
    with httpx.stream("GET", city, timeout=30) as response:
        assert next(figures_events(response))["county"] is None
    with httpx.stream("GET", opened_with(server, "k-all", county="yingde"), timeout=30) as response:
        assert next(figures_events(response))["county"] == "yingde"


def test_a_ticket_expires(store: Store):
    app = create_app(Settings(api_keys="k-all:all", api_stream_ticket_seconds=5), store, registry=CollectorRegistry())
    api = ApiServer(app, "127.0.0.1", free_port())
    api.start()
    try:
        granted = httpx.post(f"{api.url}/v1/stream-tickets", headers={"Authorization": "Bearer k-all"}).json()
        assert granted["expires_in"] == 5 and granted["county"] is None
        assert granted["ticket"].split(".")[1] == "key-1"  # names the key by position, never the key
        later = app.state.tickets
        later._clock = lambda: time.time() + 6  # noqa: SLF001  (the server's clock, 6 s on)
        expired = httpx.get(f"{api.url}/v1/stream", params={"ticket": granted["ticket"]}, timeout=10)
        assert expired.status_code == 401 and "expired" in expired.json()["error"]
    finally:
        api.stop()


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


def test_an_open_screen_does_not_hold_the_api_when_it_stops(store: Store):
    """uvicorn waits for every open response before it stops: the streams end on shutdown
    (the browser reconnects by itself), and the API's lifespan ends as it should."""
    api = ApiServer(create_app(Settings(), store, registry=CollectorRegistry()), "127.0.0.1", free_port())
    api.start()
    with httpx.stream("GET", f"{api.url}/v1/stream", timeout=30) as response:
        stream = events(response)
        assert next(stream)[0] == "figures"
        started = time.monotonic()
        api.stop()
        assert time.monotonic() - started < 5 and not api._thread.is_alive()
        assert list(stream) == []  # the stream ended, cleanly
