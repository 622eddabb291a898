"""The WeChat Channels adapter (client, poller, normalize) against the simulated back office
speaking the documented shapes, in process (ASGI, no network, no broker): double-encoded
parts, lives listed by the platform's day across midnight, per-live totals (成交金额 gross,
退款金额 apart) true at the dashboard's update_time, the end of a live, an expired stable
token, errcode 45011 (slow down), 45009 (the day's quota used up: rest until the reset or
a cleared quota) and 48001 (permission not granted).

Expectations come from the scripted festival's states (what the platform "knows"), never
from the adapter."""

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from schemas.snapshot import Snapshot
from services.ingest.adapters import wechat
from services.ingest.adapters.channels_api import API
from services.ingest.budget import exhausted_key
from services.ingest.config import PlatformConfig, RoomConfig, accounts
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.quota import poll_interval
from services.simulator.app import create_app
from services.simulator.backoffice import BackOffice, credentials
from services.simulator.platforms.channels import export_id
from services.simulator.script import ScriptedFestival
from tests.support.inprocess import FixedClock, MemorySpool, client_for

FESTIVAL = ScriptedFestival.fitted(7, 24, 0.4)
# The rural-special park broadcast on Channels, 30 Oct 23:59:04 -> 31 Oct 00:00:36.
PLAN = next(p for p in FESTIVAL.plans if p.room_id == "channels-park-lianzhou-0013")


class Rig:
    """An adapter that has been polling (its catch-up after a start done) unless `started`."""

    def __init__(self, started: bool = False) -> None:
        self.office = BackOffice(FESTIVAL, speed=1.0)
        self.office.clock = FixedClock(PLAN.starts)  # type: ignore[assignment]
        self.faults: list[str | None] = []
        self.office.fault = lambda: self.faults.pop(0) if self.faults else None  # type: ignore[method-assign]
        self.tokens = 0
        issue = self.office.issue_token

        def counted(platform: str, account: str = "") -> tuple[str, float]:
            self.tokens += 1
            return issue(platform, account)

        self.office.issue_token = counted  # type: ignore[method-assign]
        self.paths: list[str] = []
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(self.office)),
                                      event_hooks={"request": [self._seen]})
        client_id, secret = credentials("channels", PLAN.room_id)
        config = PlatformConfig(
            base_url="http://simulator/channels", client_id="unused", client_secret="unused", retries=3,
            backoff_seconds=0.001, backoff_max_seconds=0.01,
            rooms=[RoomConfig(room_id=PLAN.room_id, county=PLAN.county, special=PLAN.special,
                              client_id=client_id, client_secret=secret)],
        )
        self.registry = CollectorRegistry()
        self.spool = MemorySpool()
        api = API.for_account()
        api.caught_up = not started
        self.client = client_for(api, accounts(config)[0], self.http, IngestMetrics.create(self.registry), self.spool,
                                 clock=self.office.clock)  # type: ignore[arg-type]
        self.poller = Poller(self.client, self.spool, "snapshots", "topicstats")  # type: ignore[arg-type]

    async def _seen(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    async def cycle_at(self, at: datetime) -> bool:
        self.office.clock.at = at  # type: ignore[attr-defined]
        return await self.poller.cycle()

    def failures(self, reason: str) -> float:
        value = self.registry.get_sample_value(
            "livefest_ingest_failures_total", {"platform": "channels", "reason": reason})
        return value or 0.0

    def gauge(self, name: str) -> float | None:
        return self.registry.get_sample_value(name, {"platform": "channels", "credential": "0"})


@pytest.fixture
async def rig() -> Iterator[Rig]:
    made = Rig()
    yield made  # type: ignore[misc]
    await made.http.aclose()


def expected(at: datetime) -> dict[str, Any]:
    """The live's figures as the script has them at `at`, in the dashboard's terms: true at
    the state's own second (update_time), gross GMV and refunds, paid orders as units."""
    state = next(s for s in reversed(FESTIVAL.ticks[PLAN.session_id]) if s.observed_at <= at)
    return {"session_id": "channels:" + export_id(PLAN).replace("/", ":"), "room_id": PLAN.room_id,
            "county": PLAN.county, "special": PLAN.special, "observed_at": state.observed_at, "status": state.status,
            "viewers_online": state.viewers_online, "viewers_total": state.viewers_total, "orders": state.orders,
            "units_sold": state.orders, "gmv_fen": state.gmv_fen, "refund_fen": state.refund_fen,
            "products_listed": state.products_listed}


def fields(snapshot: Snapshot) -> dict[str, Any]:
    return {k: getattr(snapshot, k) for k in (
        "session_id", "room_id", "county", "special", "observed_at", "status", "viewers_online", "viewers_total",
        "orders", "units_sold", "gmv_fen", "refund_fen", "products_listed")}


async def test_a_live_that_ran_while_no_adapter_did_is_read_at_the_first_cycle_after_a_start():
    # The adapter starts three days after the live ended (a restart after an outage): its
    # final figures are still read, once, and a later cycle lists only today and yesterday.
    rig = Rig(started=True)
    late = PLAN.ends + timedelta(days=3)
    assert await rig.cycle_at(late)
    assert [fields(s) for s in rig.spool.snapshots()] == [expected(late)]
    assert expected(late)["status"] == "ended"
    lists = rig.paths.count("/channels/channels/livedashboard/getlivelist")
    assert await rig.cycle_at(late + timedelta(minutes=1))
    assert rig.paths.count("/channels/channels/livedashboard/getlivelist") - lists == 2
    assert len(rig.spool.snapshots()) == 1
    await rig.http.aclose()


async def test_a_live_across_midnight_to_its_end(rig: Rig):
    before, after = PLAN.starts + timedelta(seconds=40), PLAN.starts + timedelta(seconds=70)
    assert before.date() < after.date(), "the live must cross midnight"
    assert await rig.cycle_at(before)
    # After midnight the live is listed under yesterday's day; its totals go on (no carry).
    assert await rig.cycle_at(after)
    end = PLAN.ends + timedelta(seconds=30)
    assert await rig.cycle_at(end)
    got = [fields(s) for s in rig.spool.snapshots()]
    assert got == [expected(before), expected(after), expected(end)]
    assert got[-1]["status"] == "ended" and got[1]["gmv_fen"] >= got[0]["gmv_fen"] > 0
    assert got[-1]["refund_fen"] > 0, "the live has refunds by its end (the script's)"
    # Once ended, the live is listed but never read again.
    rig.paths.clear()
    assert await rig.cycle_at(end + timedelta(minutes=5))
    assert not [p for p in rig.paths if p.endswith("getlivedata")] and len(rig.spool.messages) == 3


async def test_the_answer_really_is_json_inside_json(rig: Rig):
    rig.office.clock.at = PLAN.starts + timedelta(seconds=40)  # type: ignore[attr-defined]
    token, _ = rig.office.issue_token("channels", PLAN.room_id)
    response = await rig.http.post(f"http://simulator/channels/channels/livedashboard/getlivedata?access_token={token}",
                                   json={"export_id": export_id(PLAN)})
    body = response.json()
    assert isinstance(body["live_ec_data_summary"], str) and isinstance(body["live_comparison_index"], str)
    assert json.loads(body["live_comparison_index"])["is_living"] is True
    assert response.headers["date"] == "Sat, 30 Oct 2021 15:59:44 GMT"


async def test_an_expired_token_is_refreshed_and_the_poll_goes_on(rig: Rig):
    at = PLAN.starts + timedelta(seconds=40)
    assert await rig.cycle_at(at)
    assert rig.tokens == 1
    rig.faults = ["token_expired"]  # the platform answers 42001 and forgets the token
    assert await rig.cycle_at(at + timedelta(seconds=10))
    assert rig.tokens == 2 and rig.failures("token_expired") == 1
    assert [fields(s) for s in rig.spool.snapshots()][-1] == expected(at + timedelta(seconds=10))


async def test_a_minute_limit_is_backed_off_from_not_fatal(rig: Rig):
    at = PLAN.starts + timedelta(seconds=40)
    rig.faults = ["rate_limit", "rate_limit"]  # errcode 45011 in an HTTP 200, twice: retried
    assert await rig.cycle_at(at)
    assert rig.failures("rate_limited") == 2 and [fields(s) for s in rig.spool.snapshots()] == [expected(at)]
    # Slowed down for good: the cycle fails, the poller waits longer, nothing is raised.
    rig.faults = ["rate_limit"] * 10
    assert not await rig.cycle_at(at + timedelta(seconds=10))
    assert rig.poller._pause >= rig.poller.config.poll_seconds
    rig.faults = []
    assert await rig.cycle_at(at + timedelta(seconds=20))
    assert rig.poller._pause == 0 and len(rig.spool.messages) == 2


async def test_the_days_quota_runs_down_then_the_credential_rests_until_the_reset(rig: Rig):
    rig.office.wechat_daily_quota = 7  # calls per API per Beijing day; a cycle lists twice
    at = PLAN.starts + timedelta(seconds=20)  # 30 Oct, 23:59:24 Beijing
    assert await rig.cycle_at(at)
    # getApiQuota told the adapter the account's number, and the interval follows it.
    assert rig.poller.pacing.interval == poll_interval(rig.client.budget.quota, API.calls_per_cycle(1), 3.0)
    assert rig.client.budget.quota.per_day == 7 and rig.gauge("livefest_ingest_quota_limit_calls") == 7
    assert rig.gauge("livefest_ingest_quota_remaining_calls") == 7 - 2
    assert await rig.cycle_at(at + timedelta(seconds=1))
    assert rig.gauge("livefest_ingest_quota_remaining_calls") == 7 - 4
    assert await rig.cycle_at(at + timedelta(seconds=2))
    assert not await rig.cycle_at(at + timedelta(seconds=3))  # the 8th getlivelist: 45009
    assert rig.failures("quota_exhausted") == 1 and rig.gauge("livefest_ingest_quota_exhausted") == 1
    # Resting: not one call, cycle after cycle, until midnight Beijing time (the platform's clock).
    rig.paths.clear()
    for seconds in (10, 20, 30):
        assert not await rig.cycle_at(at + timedelta(seconds=seconds))
    assert rig.paths == [] and rig.failures("quota_exhausted") == 1
    # The rest is kept in the shared state: a restarted adapter rests too.
    assert rig.spool.get(exhausted_key("channels", rig.client.config.client_id)) == "2021-10-31T00:00:00+08:00"
    # A new quota day: the platform's count is read again and polling resumes.
    assert await rig.cycle_at(PLAN.starts + timedelta(seconds=60))  # 31 Oct 00:00:04
    assert rig.gauge("livefest_ingest_quota_exhausted") == 0
    assert "/channels/cgi-bin/openapi/quota/get" in rig.paths and rig.spool.snapshots()[-1].status == "live"


async def test_a_cleared_quota_ends_the_rest_the_same_day(rig: Rig):
    rig.office.wechat_daily_quota = 2
    at = PLAN.starts + timedelta(seconds=20)
    assert await rig.cycle_at(at)
    assert not await rig.cycle_at(at + timedelta(seconds=1))
    assert rig.gauge("livefest_ingest_quota_exhausted") == 1
    # What `livefest wechat-clear-quota` does: clear_quota, then lift the mark in the shared state.
    await wechat.clear_quota(rig.client.call, rig.client.config.client_id)
    rig.spool.set(exhausted_key("channels", rig.client.config.client_id), "")
    assert await rig.cycle_at(at + timedelta(seconds=2))
    assert rig.gauge("livefest_ingest_quota_exhausted") == 0 and rig.gauge("livefest_ingest_quota_remaining_calls") == 0


async def test_a_missing_permission_is_a_clear_error_until_granted(rig: Rig, caplog: pytest.LogCaptureFixture):
    at = PLAN.starts + timedelta(seconds=40)
    rig.office.no_permission = frozenset({credentials("channels", PLAN.room_id)[0]})
    with caplog.at_level(logging.WARNING):
        assert not await rig.cycle_at(at)
    assert rig.failures("permission_denied") == 1 and not rig.spool.messages
    assert "48001" in caplog.text and "直播大屏数据" in caplog.text and "176" in caplog.text
    rig.office.no_permission = frozenset()
    assert await rig.cycle_at(at)
    assert [fields(s) for s in rig.spool.snapshots()] == [expected(at)]


async def test_gross_gmv_and_refunds_reach_the_truth_as_the_adapter_publishes_them(rig: Rig):
    """Contract 1.1 end to end on the platform side: what the adapter publishes for the live
    (gmv_fen = total_gmv, refund_fen = refund_amount) is what the simulator's truth counts."""
    for seconds in range(10, int((PLAN.ends - PLAN.starts).total_seconds()) + 40, 15):
        assert await rig.cycle_at(PLAN.starts + timedelta(seconds=seconds))
    published = rig.spool.snapshots()
    final = FESTIVAL.ticks[PLAN.session_id][-1]
    assert published[-1].status == "ended" and len(published) > 3
    assert (published[-1].gmv_fen, published[-1].refund_fen) == (final.gmv_fen, final.refund_fen)
    assert 0 < final.refund_fen < final.gmv_fen
    truth = rig.office.truth()
    session = next(s for s in truth["sessions"] if s["session_id"] == published[-1].session_id)
    assert (session["gmv_fen"], session["orders"], session["status"]) == (final.gmv_fen, final.orders, "ended")
    assert truth["refunds"]["sessions"] == {published[-1].session_id: final.refund_fen}
    assert truth["refunds"]["totals"] == {"refund_fen": final.refund_fen}
    channels = next(p for p in truth["refunds"]["platforms"] if p["platform"] == "channels")
    assert channels["refund_fen"] == final.refund_fen
    county = next(c for c in truth["refunds"]["counties"] if c["county"] == PLAN.county)
    assert county["refund_fen"] == final.refund_fen
    # Every snapshot the adapter published is a reading the back office handed out.
    assert {s.observed_at for s in published} <= {s.observed_at for s in FESTIVAL.ticks[PLAN.session_id]}
