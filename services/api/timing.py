"""Request latency by route template and status class, as plain ASGI middleware (Starlette's
BaseHTTPMiddleware costs a task and a stream per request)."""

import time
from typing import Any

from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Timing:
    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = [500]
        opened: list[float | None] = [None]  # an event stream: when it opened

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                if _is_event_stream(message):
                    opened[0] = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", "unmatched")
            # An event stream (GET /v1/stream) lasts as long as its screen watches: its
            # latency is the time to open it, not its life.
            ended = opened[0] if opened[0] is not None else time.perf_counter()
            self.histogram.labels(template, f"{status[0] // 100}xx").observe(ended - started)


def _is_event_stream(start: Message) -> bool:
    return any(
        name == b"content-type" and value.split(b";")[0].strip() == b"text/event-stream"
        for name, value in start.get("headers", ())
    )
