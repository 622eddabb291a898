"""The festival gauges the API exports at scrape time, held to the reference semantics, and
who may read them: the open /metrics has no figure of any county; the figures are on
/v1/metrics under the key rules (401 without a key, a county key sees its county only)."""

from collections import Counter

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kernel.clickhouse import Store
from schemas.snapshot import COUNTIES, PLATFORMS
from services.api.business import FIGURES
from services.api.festival_health import FestivalHealthCollector
from tests.engine.conftest import api_client
from tests.engine.test_api_figures import insert
from tests.support.scenario import expected_totals, messy

pytestmark = pytest.mark.engine

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
KEYS = "bureau-key:all,yingde-key:yingde"


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def health(store: Store) -> Samples:
    registry = CollectorRegistry()
    registry.register(FestivalHealthCollector(store, stale_after_s=120))
    return parse(generate_latest(registry).decode())


def test_gauges_by_county_and_platform_equal_the_contract(store: Store):
    scenario = messy(seed=21, sessions=30, polls=24)
    insert(store, scenario)
    samples = parse(api_client(store).get("/v1/metrics").text)  # keys unset: open, as /v1/totals
    for name, column, _ in FIGURES:
        for county in COUNTIES:
            for platform in PLATFORMS:
                want = expected_totals(scenario.figures, county=county, platform=platform)[column]
                got = samples.get((name, (("county", county), ("platform", platform))), 0)
                assert got == want, (name, county, platform)
        city = sum(v for (n, _), v in samples.items() if n == name)
        assert city == expected_totals(scenario.figures)[column], name
    ops = health(store)
    assert ops[("livefest_festival_scrape_ok", ())] == 1
    assert ops[("livefest_festival_watermark_seconds", ())] == scenario.watermark.timestamp()


def test_the_open_metrics_page_has_no_figure_of_any_county(store: Store):
    insert(store, messy(seed=23, sessions=12, polls=5))
    client = api_client(store, api_keys=KEYS)
    client.get("/v1/totals", headers={"Authorization": "Bearer bureau-key"})
    text = client.get("/metrics").text
    assert 'livefest_api_request_seconds_count{route="/v1/totals",status="2xx"} 1.0' in text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert "livefest_festival_watermark_seconds" in families  # the operational gauges stay
    business = {name for name, _, _ in FIGURES}
    assert not business & set(families), sorted(business & set(families))
    labelled = [s for f in families.values() for s in f.samples if "county" in s.labels]
    assert labelled == []


def test_figures_need_a_key_and_a_county_key_sees_its_own_county_only(store: Store):
    scenario = messy(seed=24, sessions=30, polls=8)
    insert(store, scenario)
    client = api_client(store, api_keys=KEYS)
    assert client.get("/v1/metrics").status_code == 401
    assert client.get("/v1/metrics", headers={"Authorization": "Bearer not-a-key"}).status_code == 401

    everything = parse(client.get("/v1/metrics", headers={"Authorization": "Bearer bureau-key"}).text)
    gmv = {labels: v for (name, labels), v in everything.items() if name == "livefest_festival_gmv_fen"}
    assert sum(gmv.values()) == expected_totals(scenario.figures)["gmv_fen"] > 0
    assert len({dict(labels)["county"] for labels in gmv}) > 1

    yingde = parse(client.get("/v1/metrics", headers={"Authorization": "Bearer yingde-key"}).text)
    counties = {dict(labels)["county"] for _, labels in yingde}
    assert counties == {"yingde"}
    yingde_gmv = sum(v for (name, _), v in yingde.items() if name == "livefest_festival_gmv_fen")
    assert yingde_gmv == expected_totals(scenario.figures, county="yingde")["gmv_fen"] > 0


def test_silent_live_sessions_are_counted_by_platform(store: Store):
    scenario = messy(seed=22, sessions=30, polls=24)
    insert(store, scenario)
    samples = health(store)
    truth = Counter(f.platform for f in scenario.figures.values() if f.status == "live" and not f.live)
    assert sum(truth.values()) > 0, "the scenario should have silent sessions"
    for platform in PLATFORMS:
        assert samples[("livefest_festival_sessions_silent", (("platform", platform),))] == truth[platform]


def test_an_empty_store_reports_no_silent_session(store: Store):
    samples = health(store)
    assert samples[("livefest_festival_scrape_ok", ())] == 1
    for platform in PLATFORMS:
        assert samples[("livefest_festival_sessions_silent", (("platform", platform),))] == 0


def test_an_unreadable_store_says_so_instead_of_failing_the_scrape(store: Store):
    broken = store.in_database("no_such_database_here")
    assert health(broken) == {("livefest_festival_scrape_ok", ()): 0}
    # The figures page answers like any /v1 endpoint whose store fails: an error status.
    assert api_client(broken).get("/v1/metrics").status_code >= 500
