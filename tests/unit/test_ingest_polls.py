"""What the adapters count per poll, through the real client (retries, backoff) and poller,
against a back office played by httpx's MockTransport: the failure share of a platform
stays between 0 and 1 whatever the retries and unattributed rooms, one bad room never
looks like a failing platform, and the spool reports the age of its oldest message."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.ingest.adapters.api import BaseApi, Caller, Listing
from services.ingest.client import PlatformClient
from services.ingest.config import PlatformConfig, RoomConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.room_health import FAILING_AFTER, RoomStreaks
from services.ingest.spool import Message, Spool

PLATFORM = "weishi"
RETRIES = 3


class FakeApi(BaseApi):
    """A back office with a room list and one figures endpoint per room (no token)."""

    platform = PLATFORM
    per_day = False

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        pass

    def unwrap(self, body: Any) -> Any:
        return body

    async def fetch_token(self, call: Caller, client_id: str, secret: str) -> tuple[str, float]:
        return "token", 3600.0

    async def listings(self, call: Caller, now: Any = None) -> list[Any]:
        body = await call("GET", "/rooms", auth=False)
        return [Listing(room, True, f"live-{room}") for room in body["rooms"]]

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        return dict(await call("GET", f"/rooms/{listing.room_id}", auth=False))


class BackOffice:
    """Answers the room list with `listed`; 500 for the list when `down`, for rooms in `broken`."""

    def __init__(self, listed: list[str]) -> None:
        self.listed = listed
        self.broken: set[str] = set()
        self.down = False
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        path = request.url.path
        if path == "/rooms":
            return httpx.Response(500) if self.down else httpx.Response(200, json={"rooms": self.listed})
        room = path.rsplit("/", 1)[1]
        return httpx.Response(500) if room in self.broken else httpx.Response(200, json={"room": room})


class Harness:
    def __init__(self, tmp_path: Path, configured: list[str], listed: list[str]) -> None:
        self.registry = CollectorRegistry()
        self.metrics = IngestMetrics.create(self.registry)
        self.office = BackOffice(listed)
        config = PlatformConfig(
            base_url="http://backoffice.test", client_id="id", client_secret="secret", retries=RETRIES,
            backoff_seconds=0.001, backoff_max_seconds=0.002, rate_per_second=10_000,
            rooms=[RoomConfig(room_id=room, county="yingde") for room in configured],
        )
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self.office))
        client = PlatformClient(FakeApi(), config, self.http, self.metrics)
        self.poller = Poller(client, Spool(tmp_path / "spool.sqlite"), "snapshots", "topicstats")
        self.poller.normalize = lambda *args: None  # reading is under test here, not normalizing

    async def cycles(self, n: int) -> None:
        for _ in range(n):
            await self.poller.cycle()

    def value(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, {"platform": PLATFORM, **labels})

    def polls(self, outcome: str) -> float:
        return self.value("livefest_ingest_polls_total", outcome=outcome) or 0.0

    def failed_share(self) -> float:
        return self.polls("failed") / (self.polls("ok") + self.polls("failed"))


@pytest.fixture
def harness(tmp_path: Path):  # type: ignore[no-untyped-def]
    return lambda configured, listed: Harness(tmp_path, configured, listed)


async def test_one_bad_room_is_a_failing_room_not_a_failing_platform(harness):
    h = harness(configured=["r1", "r2", "bad"], listed=["r1", "r2", "bad", "stranger"])
    h.office.broken = {"bad"}
    await h.cycles(10)
    # Each cycle: the list and three configured rooms are read once each; "stranger" is
    # listed but not configured, so it is not read at all.
    assert (h.polls("ok"), h.polls("failed")) == (30, 10)
    assert h.failed_share() == 0.25
    # Every attempt, retries included, is in failures_total; none of them is a poll.
    assert h.value("livefest_ingest_failures_total", reason="server_error") == 10 * RETRIES
    assert h.value("livefest_ingest_failures_total", reason="unattributed") == 10
    assert h.value("livefest_ingest_rooms_failing") == 1
    assert h.poller.streaks.failing() == ["bad"]
    assert h.value("livefest_ingest_last_success_timestamp_seconds") is not None


async def test_a_platform_that_does_not_answer_fails_every_poll_once(harness):
    h = harness(configured=["r1"], listed=["r1"])
    h.office.down = True
    await h.cycles(4)
    assert (h.polls("ok"), h.polls("failed")) == (0, 4)
    assert h.failed_share() == 1.0
    assert h.office.requests == 4 * RETRIES
    assert h.value("livefest_ingest_last_success_timestamp_seconds") is None


async def test_rooms_stop_failing_when_they_recover_or_end(harness):
    h = harness(configured=["a", "b"], listed=["a", "b"])
    h.office.broken = {"a", "b"}
    await h.cycles(FAILING_AFTER - 1)
    assert h.value("livefest_ingest_rooms_failing") == 0, "failing only after repeated failures"
    await h.cycles(1)
    assert h.value("livefest_ingest_rooms_failing") == 2
    h.office.broken = {"b"}
    await h.cycles(1)
    assert h.value("livefest_ingest_rooms_failing") == 1
    h.office.listed = ["a"]  # b's broadcast is over: nothing left to read
    await h.cycles(1)
    assert h.value("livefest_ingest_rooms_failing") == 0


def test_the_series_exist_before_the_first_failure(harness):
    h = harness(configured=["r1"], listed=["r1"])
    assert h.value("livefest_ingest_polls_total", outcome="failed") == 0
    assert h.value("livefest_ingest_rooms_failing") == 0


def test_streaks_count_consecutive_failures_only():
    streaks = RoomStreaks(threshold=2)
    assert not streaks.record("x", False)
    assert streaks.record("x", False), "the read that makes it failing says so"
    assert not streaks.record("x", False), "and only that one"
    assert streaks.failing() == ["x"]
    streaks.record("x", True)
    assert streaks.failing() == []
    streaks.record("y", False)
    streaks.record("y", False)
    streaks.keep_only(["x"])
    assert streaks.failing() == []


def test_spool_age_is_the_oldest_unacknowledged_message(tmp_path: Path):
    spool = Spool(tmp_path / "spool.sqlite")
    assert spool.oldest_age(now=1e12) == 0.0
    spool.put([Message("t", b"k", b"1")])
    first = spool.oldest(1)[0]
    spool.put([Message("t", b"k", b"2")])
    assert spool.oldest_age(first.spooled_at + 42) == pytest.approx(42)
    spool.delete_through(first.seq)
    second = spool.oldest(1)[0]
    assert spool.oldest_age(second.spooled_at + 5) == pytest.approx(5)
    spool.close()
    assert spool.oldest_age(1e12) == 0.0, "a closed spool must not break a scrape"
