"""The API's edge (services/api/edge.py) and latency histogram (timing.py) with a response
sent in parts, as the big screens' event stream is: the edge keeps none of it (the stream
never ends, a copy would grow with it) and the latency is the time to open it."""

import asyncio
from typing import Any

from prometheus_client import CollectorRegistry, Histogram

from services.api.edge import MARK, EdgeCache
from services.api.generation import Generations
from services.api.timing import Timing

EVENT_STREAM = [(b"content-type", b"text/event-stream; charset=utf-8")]


def _scope() -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/v1/stream", "query_string": b"", "headers": []}


class Parts:
    """An app answering 200 in `parts` body messages (more_body until the last), marked as a
    generation answer so that only its being sent in parts keeps it from the edge."""

    def __init__(self, parts: int, pause_s: float = 0.0) -> None:
        self.parts, self.pause_s, self.calls = parts, pause_s, 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls += 1
        scope[MARK] = True
        await send({"type": "http.response.start", "status": 200, "headers": EVENT_STREAM})
        for n in range(self.parts):
            await asyncio.sleep(self.pause_s)
            await send({"type": "http.response.body", "body": b"data: %d\n\n" % n, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _call(app: Any) -> list[bytes]:
    sent: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message["body"])

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await app(_scope(), receive, send)
    return sent


def test_the_edge_keeps_nothing_sent_in_parts():
    generations = Generations(store=None, poll_s=1.0)  # type: ignore[arg-type]
    generations.current = "g1"
    inner = Parts(3)
    edge = EdgeCache(inner, generations)
    for _ in range(2):
        assert asyncio.run(_call(edge)) == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n", b""]
    assert inner.calls == 2 and not edge._entries


def test_an_event_stream_is_timed_to_its_opening():
    histogram = Histogram("t_seconds", "t", ["route", "status"], registry=CollectorRegistry())
    asyncio.run(_call(Timing(Parts(4, pause_s=0.25), histogram)))
    sample = {s.name: s.value for s in histogram.collect()[0].samples if s.labels.get("le") is None}
    assert sample["t_seconds_count"] == 1 and sample["t_seconds_sum"] < 0.25
