"""Mini-program live rooms from the documented `getliveinfo` (examples transcribed from
developers.weixin.qq.com): status only, an empty list (errcode 9410000) is no error, and
the poller never publishes a snapshot for them (no figures exist) but counts rooms on air."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.ingest.adapters import miniprogram
from services.ingest.adapters.api import Listing, TokenExpired
from services.ingest.adapters.common import MalformedPayload
from services.ingest.adapters.miniprogram_api import API
from services.ingest.config import PlatformConfig, RoomConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.simulator.app import create_app
from services.simulator.backoffice import BackOffice, credentials, platform_room_id
from services.simulator.script import ScriptedFestival
from tests.support.inprocess import FixedClock, MemorySpool, client_for

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "platforms" / "examples" / "miniprogram"


def load(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def test_documented_example_room():
    items = API.rows(API.unwrap(load("getliveinfo_page")))
    assert [miniprogram.room(i) for i in items] == [miniprogram.Room("1", "直播房间名", "live", True)]


def test_every_status():
    rooms = [miniprogram.room(i) for i in API.rows(API.unwrap(load("getliveinfo_statuses")))]
    assert [(r.room_id, r.status, r.on_air) for r in rooms] == [
        ("18", "paused", True), ("15", "not_started", False), ("13", "ended", False), ("12", "banned", False),
        ("11", "abnormal", False), ("10", "expired", False)]


def test_unknown_status_is_rejected():
    with pytest.raises(MalformedPayload) as caught:
        miniprogram.room(API.rows(API.unwrap(load("getliveinfo_unknown_status")))[0])
    assert caught.value.reason == "unknown_status"


def test_empty_room_list_is_not_an_error():
    assert API.rows(API.unwrap(load("getliveinfo_empty"))) == []


def test_expired_token():
    with pytest.raises(TokenExpired):
        API.unwrap(load("token_expired"))


async def test_empty_listing_ends_paging():
    async def caller(method: str, path: str, **kwargs: Any) -> Any:
        return API.unwrap(load("getliveinfo_empty"))

    assert await API.listings(caller, None) == []  # type: ignore[arg-type]


async def test_poller_counts_rooms_on_air_and_publishes_nothing():
    festival = ScriptedFestival.fitted(7, 24, 0.4)
    office = BackOffice(festival, speed=1.0)
    plan = next(p for p in festival.plans if p.platform == "miniprogram")
    office.clock = FixedClock(plan.starts + timedelta(seconds=30))  # type: ignore[assignment]
    registry = CollectorRegistry()
    client_id, secret = credentials("miniprogram")
    config = PlatformConfig(base_url="http://simulator/miniprogram", client_id=client_id, client_secret=secret,
                            rooms=[RoomConfig(room_id=platform_room_id(plan), county=plan.county)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(office))) as http:
        spool = MemorySpool()
        client = client_for(API, config, http, IngestMetrics.create(registry), spool)
        poller = Poller(client, spool, "snapshots", "topicstats")  # type: ignore[arg-type]
        listings = await API.listings(poller.client.call, poller.client.platform_now())
        assert await poller.cycle()
        on_air = registry.get_sample_value("livefest_ingest_rooms_on_air", {"platform": "miniprogram"})
        assert on_air == 1 and not spool.messages
        office.clock.at = plan.ends + timedelta(minutes=1)  # type: ignore[attr-defined]
        assert await poller.cycle()
        assert registry.get_sample_value("livefest_ingest_rooms_on_air", {"platform": "miniprogram"}) == 0
    assert [x for x in listings if isinstance(x, Listing) and x.room_id == platform_room_id(plan)]


async def test_the_500_a_day_quota_paces_the_poller_and_a_used_up_day_rests_it():
    """WeChat's mini-program live quota: getliveinfo's daily number (500 documented, what
    getApiQuota says once read) sets the interval; 45009 rests the account until midnight."""
    festival = ScriptedFestival.fitted(7, 24, 0.4)
    office = BackOffice(festival, speed=1.0, wechat_daily_quota=3)
    plan = next(p for p in festival.plans if p.platform == "miniprogram")
    office.clock = FixedClock(plan.starts + timedelta(seconds=30))  # type: ignore[assignment]
    registry = CollectorRegistry()
    client_id, secret = credentials("miniprogram")
    config = PlatformConfig(base_url="http://simulator/miniprogram", client_id=client_id, client_secret=secret,
                            poll_seconds=2.0, rooms=[RoomConfig(room_id=platform_room_id(plan), county=plan.county)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(office))) as http:
        spool = MemorySpool()
        client = client_for(API, config, http, IngestMetrics.create(registry), spool, clock=office.clock)  # type: ignore[arg-type]
        poller = Poller(client, spool, "snapshots", "topicstats")  # type: ignore[arg-type]
        assert poller.pacing.interval == 86_400 / (0.8 * 500)  # the documented 500, before the platform says
        for _ in range(3):
            assert await poller.cycle()
        assert poller.pacing.interval == 86_400 / (0.8 * 3)  # getApiQuota's number for this account
        assert not await poller.cycle()  # the fourth call of the day: 45009
        labels = {"platform": "miniprogram", "credential": "0"}
        assert registry.get_sample_value("livefest_ingest_quota_exhausted", labels) == 1
        assert registry.get_sample_value("livefest_ingest_quota_remaining_calls", labels) == 0
        office.clock.at = plan.ends + timedelta(days=1)  # type: ignore[attr-defined]
        office.clock.at = office.clock.at.replace(hour=0, minute=1)  # type: ignore[attr-defined]
        assert await poller.cycle()  # a new quota day
        assert registry.get_sample_value("livefest_ingest_quota_exhausted", labels) == 0
