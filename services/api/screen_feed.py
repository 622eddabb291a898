"""The screens' figures, computed once per write and scope and shared by every stream.

A hundred screens on one county's figures cost one computation per write, not a hundred.
Stand-in for issue 11's answer cache (services/api/answers.py: `Answers.get(key, compute)`,
computed once per write generation and key), which replaces it once on main.
"""

import asyncio
from functools import partial

import anyio

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api.screen_figures import screen


class ScreenFeed:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._token: str | None = None
        self._answers: dict[str | None, asyncio.Future[str]] = {}

    async def json(self, token: str, county: str | None) -> str:
        """The screen of `county` (None: the city's) as one line of JSON, computed at most
        once per `token` (a failure is not kept: the next caller tries again)."""
        if token != self._token:
            self._token, self._answers = token, {}
        answer = self._answers.get(county)
        if answer is None:
            answer = asyncio.ensure_future(anyio.to_thread.run_sync(partial(self._compute, county)))
            self._answers[county] = answer
            answer.add_done_callback(partial(self._forget_failure, county))
        return await asyncio.shield(answer)

    def _compute(self, county: str | None) -> str:
        return screen(self.store, self.settings, county).model_dump_json()

    def _forget_failure(self, county: str | None, answer: "asyncio.Future[str]") -> None:
        if (answer.cancelled() or answer.exception() is not None) and self._answers.get(county) is answer:
            del self._answers[county]
