"""Repeated questions answered at the edge: the exact bytes of a 200 given in the current
write generation, served again without routing, validation or dependencies.

Why: a big screen asks the same URL again and again, and routing, validation and
dependencies are most of a cached answer's cost. On two cores the API's process shares the
CPU with the aggregator workers and the ClickHouse server (and in the embedded shape,
`LIVEFEST_CLICKHOUSE=chdb://…`, one process and one GIL with the aggregator), so that work
is taken from ingestion. The key is everything in the request that can change
the answer: path, query string and Authorization header (so a key only ever gets what it
was given, access decided as usual on its first ask). Only answers the routes mark as
generation answers (services/api/answers.py) are kept, and all of them are dropped when
the generation moves. Inactive until the generation watcher runs (an app without its
lifespan probes per request and routes everything).
"""

from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.generation import Generations

MARK = "livefest.generation_answer"  # set in the scope by answers.answer()

Key = tuple[str, bytes, bytes]


class EdgeCache:
    def __init__(self, app: ASGIApp, generations: Generations, max_entries: int = 1024) -> None:
        self.app = app
        self.generations = generations
        self.max_entries = max_entries
        self._generation: str | None = None
        self._entries: OrderedDict[Key, tuple[bytes, Any]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        generation = self.generations.current
        if scope["type"] != "http" or scope["method"] != "GET" or generation is None:
            await self.app(scope, receive, send)
            return
        if generation != self._generation:
            self._generation, self._entries = generation, OrderedDict()
        key = (scope["path"], scope["query_string"], _authorization(scope))
        hit = self._entries.get(key)
        if hit is not None:
            body, route = hit
            scope["route"] = route  # for the latency histogram's route label
            await _send_json(send, body)
            return
        await self._route_and_keep(scope, receive, send, key, generation)

    async def _route_and_keep(self, scope: Scope, receive: Receive, send: Send, key: Key, generation: str) -> None:
        status, chunks = [0], []

        async def keeping(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and status[0] == 200:
                if message.get("more_body", False):
                    # Sent in parts (a file, the screens' endless event stream): never an
                    # answer kept here, so nothing of it is held.
                    status[0] = -1
                else:
                    chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keeping)
        if status[0] == 200 and scope.get(MARK) and self._generation == generation:
            self._entries[key] = (b"".join(chunks), scope.get("route"))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def _authorization(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bytes(value)
    return b""


async def _send_json(send: Send, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
