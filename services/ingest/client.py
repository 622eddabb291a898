"""One platform credential's HTTP client: rate limit, concurrency, timeouts, retries with
jittered exponential backoff (tenacity; a 429's Retry-After is honoured), the access token
(from its `TokenSource`, told whenever the platform refuses one), the calls spent of the
credential's quota (its `Budget`: a quota answer is not retried, the credential rests),
and the platform's clock, read from the `Date` header of its answers (a platform's
calendar day, such as WeChat Channels' `ds`, is the platform's, not ours)."""

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from services.ingest.adapters.api import (
    Dated,
    PlatformApi,
    QuotaExhausted,
    RateLimited,
    Retryable,
    TokenExpired,
    Unreachable,
    http_check,
)
from services.ingest.budget import Budget
from services.ingest.config import PlatformConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.tokens import FetchedToken, TokenSource

log = logging.getLogger(__name__)


def _worth_retrying(error: BaseException) -> bool:
    """Transient failures; a used-up quota is not (the credential rests until the reset)."""
    return isinstance(error, Retryable) and not isinstance(error, QuotaExhausted)


class PlatformClient:
    """`tokens` defaults to the platform module's own `fetch_token`; `budget`, when given,
    counts every authorised call that reached the platform; `clock` is our wall clock
    (the platform's is ours plus the offset its `Date` headers show); `limiter` is shared
    where the platform's rate limit covers several credentials (Ocean Engine's is the
    developer's, whatever the advertiser), else the client's own `rate_per_second`."""

    def __init__(self, api: PlatformApi, config: PlatformConfig, http: httpx.AsyncClient, metrics: IngestMetrics,
                 tokens: TokenSource | None = None, budget: Budget | None = None,
                 clock: Callable[[], float] = time.time, limiter: AsyncLimiter | None = None):
        self.api = api
        self.config = config
        self.http = http
        self.metrics = metrics
        if tokens is None and api.tokens != "client_credentials":
            raise ValueError(f"{api.platform} takes {api.tokens} tokens: give its client the token source "
                             "(services/ingest/tokens.py), shared by every client of the credential")
        self.tokens = tokens or FetchedToken(api, config.client_id, config.client_secret.get_secret_value())
        self.budget = budget
        self.clock = clock
        self.limiter = limiter or AsyncLimiter(config.rate_per_second, 1.0)
        self.slots = asyncio.Semaphore(config.concurrency)
        self._jitter = wait_random_exponential(multiplier=config.backoff_seconds, max=config.backoff_max_seconds)
        self._clock_offset = 0.0  # platform clock minus ours, from the newest `Date` header

    def platform_now(self) -> datetime:
        """The platform's current time (our clock until it has answered once)."""
        return datetime.fromtimestamp(self.clock() + self._clock_offset, UTC)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        auth: bool = True,
        unwrap: Callable[[Any], Any] | None = None,
        dated: bool = False,
    ) -> Any:
        """The unwrapped payload of one request, retried on transient failures; with
        `dated`, a `Dated` carrying the answer's `Date` header too."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.retries),
            wait=self._wait,
            retry=retry_if_exception(_worth_retrying),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                answer = await self._once(method, path, dict(params or {}), json, auth, unwrap or self.api.unwrap)
                return answer if dated else answer.payload
        raise AssertionError("unreachable")  # tenacity either returns or re-raises

    async def _once(
        self, method: str, path: str, params: dict[str, Any], json: Any, auth: bool, unwrap: Callable[[Any], Any]
    ) -> Dated:
        headers: dict[str, str] = {}
        token = await self.token() if auth else None
        if token is not None:
            self.api.authorize(params, headers, token)
        try:
            async with self.slots, self.limiter:
                if token is not None and self.budget is not None:
                    self.budget.spend(path)
                response = await self.http.request(
                    method, self.config.base_url + path, params=params, json=json, headers=headers,
                    timeout=self.config.timeout_seconds,
                )
            date = response.headers.get("date")
            self._set_clock(date)
            return Dated(unwrap(http_check(response, self.api.decode)), date)
        except httpx.TimeoutException as exc:
            self._failed("timeout")
            raise Unreachable("timeout", f"{method} {path}: timed out") from exc
        except httpx.TransportError as exc:
            self._failed("connection")
            raise Unreachable("connection", f"{method} {path}: {exc}") from exc
        except Retryable as exc:
            self._failed(exc.reason)
            if isinstance(exc, TokenExpired) and token is not None:
                self.tokens.rejected(token)
            raise

    def _set_clock(self, date: str | None) -> None:
        try:
            answered = parsedate_to_datetime(date) if date else None
        except (TypeError, ValueError):
            answered = None  # a garbled Date header must not stop polling
        if answered is not None and answered.tzinfo is not None:
            self._clock_offset = answered.timestamp() - self.clock()

    def _failed(self, reason: str) -> None:
        self.metrics.failures.labels(self.api.platform, reason).inc()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after + random.uniform(0, 0.25)
        if isinstance(error, TokenExpired):
            return 0.0  # a fresh token is fetched right away
        return float(self._jitter(state))

    async def token(self) -> str:
        return await self.tokens.token(self.call)
