"""WeChat's stable access token (POST /cgi-bin/stable_token) as the adapters share it: one
token per appid for every client of the process and across restarts, two programs on one
appid both working (normal mode answers both the same token; a forced refresh elsewhere is
followed, not fought), and forced refreshes only when WeChat refuses the very token it calls
current, at most 20 a day and 30 s apart. Against the simulator, which implements
stable_token's documented semantics, in process."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.ingest.adapters import wechat
from services.ingest.adapters.api import AuthRejected
from services.ingest.adapters.channels_api import API
from services.ingest.config import PlatformConfig, RoomConfig, accounts
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.tokens import FORCE_PER_DAY, StableToken, Tokens
from services.simulator.app import create_app
from services.simulator.backoffice import BackOffice, credentials
from services.simulator.script import ScriptedFestival
from tests.support.inprocess import FixedClock, MemorySpool, client_for

FESTIVAL = ScriptedFestival.fitted(7, 24, 0.4)
PLAN = next(p for p in FESTIVAL.plans if p.room_id == "channels-park-lianzhou-0013")
APPID, SECRET = credentials("channels", PLAN.room_id)
TOKEN_PATH = "/channels/cgi-bin/stable_token"


class Platform:
    """The simulated Channels back office, and every request made to it."""

    def __init__(self) -> None:
        self.office = BackOffice(FESTIVAL, speed=1.0, token_ttl_s=7200.0)
        self.office.clock = FixedClock(PLAN.starts + timedelta(seconds=20))  # type: ignore[assignment]
        self.requests: list[httpx.Request] = []
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(self.office)),
                                      event_hooks={"request": [self._seen]})
        self.config = accounts(PlatformConfig(
            base_url="http://simulator/channels", client_id="unused", client_secret="unused", retries=3,
            backoff_seconds=0.001, backoff_max_seconds=0.01,
            rooms=[RoomConfig(room_id=PLAN.room_id, county=PLAN.county, client_id=APPID, client_secret=SECRET)]))[0]

    async def _seen(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def token_calls(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == TOKEN_PATH]

    def program(self, store: MemorySpool | None = None, tokens: Tokens | None = None) -> "Program":
        return Program(self, store or MemorySpool(), tokens)


class Program:
    """One `livefest ingest` (its own state and token registry) polling the account."""

    def __init__(self, platform: Platform, store: MemorySpool, tokens: Tokens | None) -> None:
        self.registry = CollectorRegistry()
        self.store = store
        self.tokens = tokens or Tokens(store)
        self.client = client_for(API, platform.config, platform.http, IngestMetrics.create(self.registry), store,
                                 self.tokens, clock=platform.office.clock)  # type: ignore[arg-type]
        self.poller = Poller(self.client, store, "snapshots", "topicstats")  # type: ignore[arg-type]

    def failures(self, reason: str) -> float:
        value = self.registry.get_sample_value("livefest_ingest_failures_total",
                                               {"platform": "channels", "reason": reason})
        return value or 0.0


def kept(program: Program) -> str:
    """The token a program keeps for the appid in its state."""
    return str(json.loads(program.store.get("wechat:stable-token:" + APPID) or "{}")["value"])


@pytest.fixture
async def platform() -> Iterator[Platform]:
    made = Platform()
    yield made  # type: ignore[misc]
    await made.http.aclose()


async def test_the_token_request_is_the_documented_one(platform: Platform):
    await platform.program().client.token()
    assert platform.token_calls() == [
        {"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": False}]
    assert [r.method for r in platform.requests] == ["POST"]


async def test_two_programs_on_one_appid_both_keep_working(platform: Platform):
    first, second = platform.program(), platform.program()  # separate state, separate caches
    for step in range(6):
        platform.office.clock.at += timedelta(seconds=5)  # type: ignore[attr-defined]
        assert await first.poller.cycle() and await second.poller.cycle(), step
    # Normal mode answered both the appid's one current token: nobody invalidated anybody.
    assert len(platform.token_calls()) == 2
    assert kept(first) == kept(second)
    assert first.failures("token_expired") == second.failures("token_expired") == 0
    assert len(first.store.snapshots()) == len(second.store.snapshots()) >= 1


async def test_a_forced_refresh_elsewhere_is_followed_by_both(platform: Platform):
    first, second = platform.program(), platform.program()
    assert await first.poller.cycle() and await second.poller.cycle()
    # A third program on the appid (the county's own tool) forces a refresh: the token both
    # hold dies at once.
    forced = await wechat.stable_token(first.client.call, APPID, SECRET, force=True)
    for program in (first, second):
        platform.office.clock.at += timedelta(seconds=5)  # type: ignore[attr-defined]
        assert await program.poller.cycle()
        assert program.failures("token_expired") == 1
    # Each asked again in normal mode and got the new token; neither forced one of its own.
    assert [c["force_refresh"] for c in platform.token_calls()] == [False, False, True, False, False]
    assert kept(first) == kept(second) == forced[0]


async def test_one_token_per_appid_in_a_process_and_across_restarts(platform: Platform):
    store = MemorySpool()
    tokens = Tokens(store)
    one, two = platform.program(store, tokens), platform.program(store, tokens)
    assert one.client.tokens is two.client.tokens  # the same source for every client of the appid
    assert await one.poller.cycle() and await two.poller.cycle()
    assert len(platform.token_calls()) == 1
    restarted = platform.program(store)  # a new process on the same data directory
    assert await restarted.poller.cycle()
    assert len(platform.token_calls()) == 1  # the kept token, valid for two hours, is used


class Refusing:
    """stable_token as WeChat answers it while it refuses its own current token: normal mode
    answers the current token, forced mode a new one, which becomes the current one."""

    def __init__(self) -> None:
        self.current, self.modes = "current", []  # type: ignore[var-annotated]

    async def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        force = kwargs["json"]["force_refresh"]
        self.modes.append(force)
        if force:
            self.current = f"forced-{len(self.modes)}"
        return {"access_token": self.current, "expires_in": 7200}


async def test_a_refresh_is_forced_only_for_a_refused_current_token_and_within_the_limits():
    clock = [1_700_000_000.0]
    store = MemorySpool()
    source = StableToken(APPID, SECRET, store, clock=lambda: clock[0])
    wechat_ = Refusing()
    assert await source.token(wechat_) == "current" and wechat_.modes == [False]
    source.rejected("current")
    assert await source.token(wechat_) == "forced-3"  # normal mode answered the refused token again
    assert wechat_.modes == [False, False, True]
    # Refused again within 30 s: no forced refresh now, a clear error, tried again next cycle.
    source.rejected("forced-3")
    clock[0] += 10
    with pytest.raises(AuthRejected, match="30 s apart"):
        await source.token(wechat_)
    for _ in range(FORCE_PER_DAY - 1):
        clock[0] += 31
        source.rejected(await source.token(wechat_))
    assert wechat_.modes.count(True) == FORCE_PER_DAY
    clock[0] += 31
    with pytest.raises(AuthRejected, match=f"{FORCE_PER_DAY} of {FORCE_PER_DAY} today"):
        await source.token(wechat_)
    # The count is kept in the shared state: another program on the data directory keeps to it.
    other = StableToken(APPID, SECRET, store, clock=lambda: clock[0])
    other.rejected(wechat_.current)
    with pytest.raises(AuthRejected):
        await other.token(wechat_)
    assert wechat_.modes.count(True) == FORCE_PER_DAY
