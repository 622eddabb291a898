"""Douyin through Qianchuan: the adapter (OAuth grant, client, poller, normalize) against the
simulated Ocean Engine open platform in process (ASGI, no network, no broker): the merchant's
authorisation and the code grant, a broadcast polled to its end, the simulator's truth equal
to what the adapter publishes, the grant refreshed before it expires and at once when Ocean
Engine refuses the token (40102), a used refresh token (40107) asking for a new authorisation,
and the developer's per-API rate (40110) kept to by the derived interval.

Expectations come from the scripted festival's states (what the platform knows), never from
the adapter."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from kernel.settings import Settings
from schemas.snapshot import Snapshot
from services.ingest.adapters.api import AuthRejected
from services.ingest.adapters.qianchuan_api import QianchuanApi, simulated_authorisation
from services.ingest.adapters.qianchuan_oauth import EARLY_S, GrantToken, OceanApp, grant_key
from services.ingest.config import IngestConfig, QianchuanConfig, RoomConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.runtime import Ingest, credential_client
from services.simulator.app import create_app
from services.simulator.backoffice import BackOffice
from services.simulator.platforms import qianchuan as sim
from services.simulator.script import ScriptedFestival
from tests.support.inprocess import FixedClock, MemorySpool

FESTIVAL = ScriptedFestival.fitted(7, 24, 0.4)
# A launch main room with refunds in its script (read through Qianchuan: its GMV stays gross).
PLAN = next(p for p in FESTIVAL.plans if p.room_id == "douyin-main-lianshan-0007")
ADVERTISER, AWEME = sim.advertiser_of(PLAN), sim.aweme_of(PLAN)


class Rig:
    def __init__(self, rate_per_second: float = 20.0) -> None:
        self.office = BackOffice(FESTIVAL, speed=1.0, token_ttl_s=86_399.0)  # Ocean Engine's: a day
        self.office.clock = FixedClock(PLAN.starts)  # type: ignore[assignment]
        self.faults: list[str | None] = []
        self.office.fault = lambda: self.faults.pop(0) if self.faults else None  # type: ignore[method-assign]
        self.paths: list[str] = []
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(self.office)),
                                      event_hooks={"request": [self._seen]})
        app_id, secret = sim.app()
        self.config = QianchuanConfig(
            base_url="http://simulator/qianchuan", client_id=str(app_id), client_secret=secret, retries=3,
            backoff_seconds=0.001, backoff_max_seconds=0.01, rate_per_second=rate_per_second,
            rooms=[RoomConfig(room_id=PLAN.room_id, county=PLAN.county, special=PLAN.special,
                              advertiser_id=ADVERTISER, aweme_id=AWEME)])
        self.now = 1_000_000.0  # the grant's wall clock
        self.spool = MemorySpool()
        app = OceanApp(self.config.base_url, app_id, secret)
        self.grant = GrantToken(app, ADVERTISER, self.spool, clock=lambda: self.now)
        self.registry = CollectorRegistry()
        self.api = api = QianchuanApi(ADVERTISER, {AWEME: PLAN.room_id}, rate_per_second)
        self.client = credential_client(api, self.config, self.http, IngestMetrics.create(self.registry), self.grant,
                                        self.spool, "qianchuan-0", str(ADVERTISER),
                                        lambda: self.office.clock.now().timestamp())
        self.poller = Poller(self.client, self.spool, "snapshots", "topicstats")  # type: ignore[arg-type]

    async def _seen(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path.removeprefix("/qianchuan"))

    async def authorize(self) -> None:
        await simulated_authorisation(self.http, self.client.call, self.grant)

    async def cycle_at(self, at: datetime) -> bool:
        self.office.clock.at = at  # type: ignore[attr-defined]
        return await self.poller.cycle()

    def failures(self, reason: str) -> float:
        value = self.registry.get_sample_value(
            "livefest_ingest_failures_total", {"platform": "douyin", "reason": reason})
        return value or 0.0


@pytest.fixture
async def rig() -> Iterator[Rig]:
    made = Rig()
    yield made  # type: ignore[misc]
    await made.http.aclose()


def expected(at: datetime) -> dict[str, Any]:
    """The broadcast as Qianchuan shows it at `at` (whole seconds, the answer's Date): gross
    GMV, paid orders as units, no online viewers, the product list's count."""
    state = next(s for s in reversed(FESTIVAL.ticks[PLAN.session_id]) if s.observed_at <= at)
    return {"session_id": f"douyin:{sim.room_of(PLAN)}", "room_id": PLAN.room_id, "county": PLAN.county,
            "special": PLAN.special, "observed_at": at.replace(microsecond=0), "status": state.status,
            "viewers_online": 0, "viewers_total": state.viewers_total, "orders": state.orders,
            "units_sold": state.orders, "gmv_fen": state.gmv_fen, "refund_fen": None,
            "products_listed": state.products_listed}


def fields(snapshot: Snapshot) -> dict[str, Any]:
    return {k: getattr(snapshot, k) for k in expected(PLAN.starts + timedelta(seconds=1))}


async def test_without_an_authorisation_the_cycle_fails_clearly(rig: Rig):
    assert not await rig.cycle_at(PLAN.starts + timedelta(seconds=10))
    assert rig.failures("auth_rejected") == 1 and rig.paths == [] and not rig.spool.messages


async def test_a_broadcast_polled_to_its_end_equals_the_truth(rig: Rig):
    await rig.authorize()
    assert rig.paths[-1] == "/open_api/oauth2/access_token/"
    times = [PLAN.starts + timedelta(seconds=s) for s in range(20, int((PLAN.ends - PLAN.starts).total_seconds()), 30)]
    times.append(PLAN.ends + timedelta(seconds=30))
    for at in times:
        assert await rig.cycle_at(at)
    published = rig.spool.snapshots()
    assert [fields(s) for s in published] == [expected(at) for at in times]
    assert published[-1].status == "ended" and published[-1].gmv_fen > published[0].gmv_fen > 0
    final = FESTIVAL.ticks[PLAN.session_id][-1]
    assert published[-1].gmv_fen == final.gmv_fen and final.refund_fen, "gross, whatever was refunded"
    truth = rig.office.truth()
    session = next(s for s in truth["sessions"] if s["session_id"] == published[-1].session_id)
    assert {k: session[k] for k in ("gmv_fen", "orders", "units_sold", "viewers_total", "products_listed", "status")} \
        == {"gmv_fen": final.gmv_fen, "orders": final.orders, "units_sold": final.orders,
            "viewers_total": final.viewers_total, "products_listed": published[-1].products_listed, "status": "ended"}
    assert truth["refunds"]["sessions"] == {published[-1].session_id: None}  # Qianchuan reports no refunds
    # Once ended, the broadcast is listed but its products are never asked for again.
    rig.paths.clear()
    assert await rig.cycle_at(times[-1] + timedelta(minutes=1))
    assert sim.PRODUCTS not in rig.paths and len(published) == len(rig.spool.snapshots())


async def test_the_grant_is_refreshed_before_it_expires_and_the_old_refresh_token_dies(rig: Rig):
    await rig.authorize()
    at = PLAN.starts + timedelta(seconds=20)
    assert await rig.cycle_at(at)
    first = rig.spool.get(grant_key(ADVERTISER))
    assert first is not None and "/open_api/oauth2/refresh_token/" not in rig.paths
    rig.now += rig.office.token_ttl_s - EARLY_S + 1  # within EARLY_S of the access token's expiry
    assert await rig.cycle_at(at + timedelta(seconds=30))
    assert rig.paths.count("/open_api/oauth2/refresh_token/") == 1
    second = rig.spool.get(grant_key(ADVERTISER))
    assert second != first  # the rotated refresh token is kept before anything else can fail
    # A grant put back from before the refresh (a restored backup, a second program): its
    # refresh token was used up, so the merchant must authorise again.
    rig.spool.set(grant_key(ADVERTISER), first)  # type: ignore[arg-type]
    rig.now += rig.office.token_ttl_s
    assert not await rig.cycle_at(at + timedelta(seconds=60))
    assert rig.failures("auth_rejected") == 1
    with pytest.raises(AuthRejected, match="authorise"):
        await rig.grant.token(rig.client.call)


async def test_a_refused_token_is_refreshed_at_once_and_the_poll_goes_on(rig: Rig):
    await rig.authorize()
    at = PLAN.starts + timedelta(seconds=20)
    assert await rig.cycle_at(at)
    rig.faults = ["token_expired"]  # Ocean Engine answers 40102 and forgets the token
    assert await rig.cycle_at(at + timedelta(seconds=30))
    assert rig.failures("token_expired") == 1 and rig.paths.count("/open_api/oauth2/refresh_token/") == 1
    assert [fields(s) for s in rig.spool.snapshots()][-1] == expected(at + timedelta(seconds=30))


async def test_the_developers_per_api_rate_is_kept_by_the_interval_and_backed_off_from():
    """Qianchuan's quota rule: no daily number, a per-developer, per-API rate (40110 over it)."""
    rig = Rig(rate_per_second=2.0)
    rig.office.qianchuan_qps = 2.0
    try:
        await rig.authorize()
        # Three calls a cycle (yesterday's and today's list, the products) at 2 a second.
        assert rig.poller.pacing.interval == max(rig.config.poll_seconds, 3 / 2.0)
        rig.api.caught_up = True  # not the first cycle's week of lists
        assert await rig.cycle_at(PLAN.starts + timedelta(seconds=20))
        assert await rig.cycle_at(PLAN.starts + timedelta(seconds=21))  # the same client limiter: still under
        assert rig.failures("rate_limited") == 0
    finally:
        await rig.http.aclose()
    hasty = Rig(rate_per_second=50.0)  # configured above what the console grants
    hasty.office.qianchuan_qps = 2.0
    try:
        await hasty.authorize()
        for seconds in (20, 21):  # two cycles in the same wall second: four lists of one API
            await hasty.cycle_at(PLAN.starts + timedelta(seconds=seconds))
        assert hasty.failures("rate_limited") >= 1  # 40110, retried with backoff, never fatal
    finally:
        await hasty.http.aclose()


async def test_the_advertisers_of_one_app_share_the_developers_rate(tmp_path: Path):
    """The runtime builds one poller per advertiser; Ocean Engine's limit is our app's, so
    they share one limiter and each plans its interval with its share of the rate."""
    plans = [p for p in FESTIVAL.plans if p.qianchuan][:4]
    app_id, secret = sim.app()
    config = IngestConfig(qianchuan=QianchuanConfig(
        base_url="http://simulator/qianchuan", client_id=str(app_id), client_secret=secret, rate_per_second=8.0,
        poll_seconds=0.1, rooms=[RoomConfig(room_id=p.room_id, county=p.county, advertiser_id=sim.advertiser_of(p),
                                            aweme_id=sim.aweme_of(p)) for p in plans]))
    ingest = Ingest(config, Settings(data_dir=tmp_path), metrics=IngestMetrics.create(CollectorRegistry()),
                    spool=tmp_path / "spool.sqlite")
    async with httpx.AsyncClient() as http:
        ingest._build_pollers(http)
    try:
        assert len(ingest.pollers) == 4 and len({id(p.client.limiter) for p in ingest.pollers}) == 1
        # Each advertiser: 2 a second of the app's 8; three calls a cycle.
        assert {p.pacing.interval for p in ingest.pollers} == {3 / 2.0}
        assert {p.api.advertiser_id for p in ingest.pollers} == {sim.advertiser_of(p) for p in plans}
    finally:
        ingest.spool.close()
