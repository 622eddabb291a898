"""Kuaishou's kwaixiaodian open API: request signing checked against the worked example of
the platform's own documentation (API调用说明, section 4), and the real-time UV reader
(signed calls, merchant OAuth code grant, refresh with a rotating refresh token) against
the simulated open platform in process."""

import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.ingest.adapters import kwaixiaodian as kx
from services.ingest.adapters.api import ApiError, AuthRejected
from services.ingest.adapters.kuaishou_uv import App, UvReader
from services.ingest.config import KuaishouUvConfig, RoomConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.uv_poller import UvPoller
from services.simulator.app import create_app
from services.simulator.backoffice import BackOffice
from services.simulator.platforms.kwaixiaodian import MERCHANT_TOKENS, app
from services.simulator.script import ScriptedFestival
from tests.support.inprocess import FixedClock

# The documentation's example request (access_token, appkey, secret as printed there).
DOC_PARAMS = {"access_token": "xxx", "appkey": "ks123", "method": "open.xxx.xxx", "version": "1",
              "param": '{"title":"短袖", "relItemId":123456, "categoryId":12}', "timestamp": "1583271919000"}
DOC_SORTED = ('access_token=xxx&appkey=ks123&method=open.xxx.xxx&param={"title":"短袖", "relItemId":123456, '
              '"categoryId":12}&signMethod=MD5&timestamp=1583271919000&version=1')


def test_sign_text_is_the_documented_example():
    assert kx.sign_text({**DOC_PARAMS, "signMethod": "MD5"}) == DOC_SORTED


def test_signatures_of_the_documented_example():
    # Expected digests computed with coreutils and OpenSSL, not with this code:
    #   printf '%s' "$TEXT&signSecret=xxxxxx" | md5sum
    #   printf '%s' "$TEXT&signSecret=xxxxxx" | openssl dgst -sha256 -hmac xxxxxx -binary | base64
    assert kx.sign({**DOC_PARAMS, "signMethod": "MD5"}, "xxxxxx", "MD5") == "3bb2bbfcb6ea74a2f90014c1d6a9b91f"
    hmac_params = {**DOC_PARAMS, "signMethod": "HMAC_SHA256"}
    assert kx.sign(hmac_params, "xxxxxx", "HMAC_SHA256") == "lT+1bTf+6YFHwVOZMaNgUfGZnMfN0hhfFc6GXH3Jq2w="


def test_a_signed_query_signs_exactly_what_it_sends():
    query = kx.signed_query("open.live.shop.seller.real.uv", {}, appkey="ks123", access_token="t",
                            timestamp_ms=1635000000123, secret="s")
    assert {k: v for k, v in query.items() if k != "sign"} == {
        "appkey": "ks123", "method": "open.live.shop.seller.real.uv", "version": "1", "access_token": "t",
        "param": "{}", "timestamp": "1635000000123", "signMethod": "HMAC_SHA256"}
    assert query["sign"] == kx.sign(query, "s", "HMAC_SHA256")
    assert kx.path_of("open.live.shop.seller.real.uv") == "/open/live/shop/seller/real/uv"


def test_token_answers():
    body = {"result": 1, "access_token": "a", "refresh_token": "r", "expires_in": 172800, "open_id": "o",
            "scopes": ["merchant_live"]}
    assert kx.grant(body) == kx.Grant("a", "r", 172800, "o")
    with pytest.raises(AuthRejected, match="authorise again"):
        kx.grant({"result": 100200105, "error": "invalid_grant", "error_msg": "code 错误"})


FESTIVAL = ScriptedFestival.fitted(7, 24, 0.4)
PLAN = next(p for p in FESTIVAL.plans if p.platform == "kuaishou")


class Store(dict[str, str]):
    def set(self, name: str, value: str) -> None:
        self[name] = value


@pytest.fixture
async def rig():
    office = BackOffice(FESTIVAL, speed=1.0)
    office.clock = FixedClock(PLAN.starts + timedelta(seconds=30))  # type: ignore[assignment]
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(office)))
    key, secret, sign_secret = app()
    store = Store()
    reader = UvReader(App("http://simulator/kuaishou", key, secret, sign_secret), PLAN.room_id, http, store)
    yield office, http, reader, store
    await http.aclose()


async def code_for(http: httpx.AsyncClient, merchant: str) -> str:
    """The merchant authorises on the platform's page, which redirects back with a code."""
    page = await http.get("http://simulator/kuaishou/oauth/authorize", params={
        "app_id": app()[0], "redirect_uri": "https://livefest.example/kuaishou/callback", "scope": "merchant_live",
        "response_type": "code", "state": "s1", "merchant": merchant})
    assert page.status_code == 302
    return parse_qs(urlsplit(page.headers["location"]).query)["code"][0]


def online_now() -> int:
    state = next(s for s in reversed(FESTIVAL.ticks[PLAN.session_id]) if s.observed_at <= PLAN.starts +
                 timedelta(seconds=30))
    assert state.status == "live"
    return state.viewers_online


async def test_authorised_merchant_real_uv_and_refresh_on_a_refused_token(rig):
    office, http, reader, store = rig
    with pytest.raises(AuthRejected, match="kuaishou-authorize"):
        await reader.read()
    await reader.authorize(await code_for(http, PLAN.room_id))
    assert await reader.read() == online_now()
    first = json.loads(json.loads(store[reader.name])["grant"])
    office.revoke(first["access_token"])  # the platform no longer accepts it
    assert await reader.read() == online_now()
    second = json.loads(json.loads(store[reader.name])["grant"])
    assert second["refresh_token"] != first["refresh_token"]  # rotated, and the new one is kept
    # The old refresh token was discarded by the platform.
    refused = await http.post("http://simulator/kuaishou/oauth2/refresh_token", data=kx.refresh_grant(
        app()[0], app()[1], first["refresh_token"]))
    assert refused.json()["result"] == 100200102
    assert office.token_account(MERCHANT_TOKENS, second["access_token"]) == PLAN.room_id


async def test_access_token_is_refreshed_before_it_expires(rig):
    office, http, reader, store = rig
    await reader.authorize(await code_for(http, PLAN.room_id))
    before = json.loads(store[reader.name])
    reader.clock = lambda: before["expires_at"] - 60  # a minute before expiry
    assert await reader.read() == online_now()
    assert json.loads(store[reader.name])["grant"] != before["grant"]


async def test_a_wrong_sign_secret_is_refused_by_the_platform(rig):
    office, http, reader, store = rig
    await reader.authorize(await code_for(http, PLAN.room_id))
    reader.app = App(reader.app.base_url, reader.app.app_key, reader.app.app_secret, "not-the-secret")
    with pytest.raises(ApiError, match="签名校验失败"):
        await reader.read()


async def test_a_code_works_once(rig):
    office, http, reader, store = rig
    code = await code_for(http, PLAN.room_id)
    await reader.authorize(code)
    with pytest.raises(AuthRejected, match="code 错误"):
        await reader.authorize(code)


async def test_uv_poller_sums_authorised_rooms_per_county_and_counts_the_rest(rig):
    office, http, reader, store = rig
    other = next(p for p in FESTIVAL.plans if p.platform == "kuaishou" and p.room_id != PLAN.room_id)
    key, secret, sign_secret = app()
    config = KuaishouUvConfig(base_url="http://simulator/kuaishou", app_key=key, app_secret=secret,
                              sign_secret=sign_secret, rooms=[RoomConfig(room_id=PLAN.room_id, county=PLAN.county),
                                                              RoomConfig(room_id=other.room_id, county="city")])
    await reader.authorize(await code_for(http, PLAN.room_id))  # the other merchant has not authorised
    registry = CollectorRegistry()
    poller = UvPoller(config, http, store, IngestMetrics.create(registry))
    assert await poller.cycle() == {PLAN.county: online_now()}
    assert registry.get_sample_value("livefest_ingest_live_viewers",
                                     {"platform": "kuaishou", "county": PLAN.county}) == online_now()
    assert registry.get_sample_value("livefest_ingest_failures_total",
                                     {"platform": "kuaishou", "reason": "auth_rejected"}) == 1


def uv_config(stage: str = "unlaunched", rooms: int = 2, **extra: object) -> KuaishouUvConfig:
    """The first `rooms` Kuaishou merchants of the festival (and made-up ones beyond them)."""
    key, secret, sign_secret = app()
    merchants = [p.room_id for p in FESTIVAL.plans if p.platform == "kuaishou"]
    merchants += [f"kuaishou-merchant-extra-{i}" for i in range(rooms)]
    return KuaishouUvConfig(base_url="http://simulator/kuaishou", app_key=key, app_secret=secret,
                            sign_secret=sign_secret, stage=stage, poll_seconds=5.0,  # type: ignore[arg-type]
                            rooms=[RoomConfig(room_id=m, county="yangshan") for m in merchants[:rooms]], **extra)


def test_the_poll_interval_keeps_the_app_and_its_test_users_under_their_quotas():
    http = httpx.AsyncClient()
    # Before launch: 100,000 calls a day for the whole app, shared by every room (80 % planned).
    assert UvPoller(uv_config(rooms=6), http, Store(), IngestMetrics.create(CollectorRegistry())).interval == \
        pytest.approx(86_400 * 6 / (0.8 * 100_000))
    # Test users: 2,000 calls a day each, whatever the app's quota.
    assert UvPoller(uv_config("test_users"), http, Store(), IngestMetrics.create(CollectorRegistry())).interval == \
        pytest.approx(86_400 / (0.8 * 2_000))
    # A launched app with the quota it was granted; the configured interval where that is slower.
    launched = UvPoller(uv_config("launched", rooms=2, daily_quota=10_000_000), http, Store(),
                        IngestMetrics.create(CollectorRegistry()))
    assert launched.interval == 5.0


class Days:
    """The platform's clock for the adapter's quota days, moved with the simulator's."""

    def __init__(self, office: BackOffice) -> None:
        self.office = office

    def __call__(self) -> datetime:
        return self.office.clock.now()


async def authorised_poller(office: BackOffice, http: httpx.AsyncClient, store: Store, config: KuaishouUvConfig,
                            registry: CollectorRegistry) -> UvPoller:
    for room in config.rooms:
        await UvReader(App("http://simulator/kuaishou", *app()), room.room_id, http, store).authorize(
            await code_for(http, room.room_id))
    return UvPoller(config, http, store, IngestMetrics.create(registry), clock=Days(office))


async def test_the_apps_quota_runs_down_then_every_room_rests_until_the_reset(rig):
    office, http, _, store = rig
    office.kuaishou_app_quota = 5  # calls a day for the whole app
    registry = CollectorRegistry()
    poller = await authorised_poller(office, http, store, uv_config(), registry)
    calls: list[str] = []
    http.event_hooks["request"] = [lambda request: _async_append(calls, request.url.path)]
    assert len(await poller.cycle()) >= 1 and len(await poller.cycle()) >= 1
    await poller.cycle()  # the fifth call is allowed, the sixth answers 1017
    app_rests = {"platform": "kuaishou", "credential": "app"}
    assert registry.get_sample_value("livefest_ingest_quota_exhausted", app_rests) == 1
    assert registry.get_sample_value("livefest_ingest_failures_total",
                                     {"platform": "kuaishou", "reason": "quota_exhausted"}) == 1
    calls.clear()
    for _ in range(3):
        assert await poller.cycle() == {}
    assert calls == []  # resting: not one call, for any room
    office.clock.at = office.clock.at.replace(hour=0, minute=0, second=5) + timedelta(days=1)  # type: ignore[attr-defined]
    await poller.cycle()
    assert calls and registry.get_sample_value(
        "livefest_ingest_quota_exhausted", {"platform": "kuaishou", "credential": "app"}) == 0


async def test_a_test_users_quota_rests_that_merchant_only(rig):
    office, http, _, store = rig
    office.kuaishou_user_quota = 2  # each test user's calls a day
    registry = CollectorRegistry()
    config = uv_config("test_users")
    poller = await authorised_poller(office, http, store, config, registry)
    first, second = (reader for _, reader, _ in poller.readers)
    await first.read()  # the first merchant's own tools spent one call of its two
    await poller.cycle()  # the first merchant's second call, the second merchant's first
    calls: list[str] = []
    http.event_hooks["request"] = [lambda request: _async_append(calls, request.url.path)]
    await poller.cycle()  # 1017 for the first merchant; the second merchant's second call
    exhausted = [registry.get_sample_value("livefest_ingest_quota_exhausted",
                                           {"platform": "kuaishou", "credential": str(i)}) for i in (0, 1)]
    assert exhausted == [1.0, 0.0]
    assert registry.get_sample_value("livefest_ingest_quota_exhausted", {"platform": "kuaishou", "credential": "app"}) \
        == 0
    calls.clear()
    await poller.cycle()  # the first merchant rests; only the second one is asked (and answers 1017)
    assert len([c for c in calls if c.endswith("/real/uv")]) == 1
    assert [registry.get_sample_value("livefest_ingest_quota_exhausted",
                                      {"platform": "kuaishou", "credential": str(i)}) for i in (0, 1)] == [1.0, 1.0]


async def _async_append(calls: list[str], path: str) -> None:
    calls.append(path)
