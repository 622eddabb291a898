"""The festival gauges the API exports at scrape time, held to the reference semantics."""

from collections import Counter

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kernel.clickhouse import Store
from schemas.snapshot import COUNTIES, PLATFORMS
from services.api.business import FIGURES, FestivalCollector
from tests.engine.test_api_figures import insert
from tests.support.scenario import expected_totals, messy

pytestmark = pytest.mark.engine


def scrape(store: Store) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(FestivalCollector(store, stale_after_s=120))
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_gauges_by_county_and_platform_equal_the_contract(store: Store):
    scenario = messy(seed=21, sessions=30, polls=24)
    insert(store, scenario)
    samples = scrape(store)
    assert samples[("livefest_festival_scrape_ok", ())] == 1
    assert samples[("livefest_festival_watermark_seconds", ())] == scenario.watermark.timestamp()
    for name, column, _ in FIGURES:
        for county in COUNTIES:
            for platform in PLATFORMS:
                want = expected_totals(scenario.figures, county=county, platform=platform)[column]
                got = samples.get((name, (("county", county), ("platform", platform))), 0)
                assert got == want, (name, county, platform)
        city = sum(v for (n, _), v in samples.items() if n == name)
        assert city == expected_totals(scenario.figures)[column], name


def test_silent_live_sessions_are_counted_by_platform(store: Store):
    scenario = messy(seed=22, sessions=30, polls=24)
    insert(store, scenario)
    samples = scrape(store)
    truth = Counter(f.platform for f in scenario.figures.values() if f.status == "live" and not f.live)
    assert sum(truth.values()) > 0, "the scenario should have silent sessions"
    for platform in PLATFORMS:
        assert samples[("livefest_festival_sessions_silent", (("platform", platform),))] == truth[platform]


def test_an_empty_store_reports_no_silent_session(store: Store):
    samples = scrape(store)
    assert samples[("livefest_festival_scrape_ok", ())] == 1
    for platform in PLATFORMS:
        assert samples[("livefest_festival_sessions_silent", (("platform", platform),))] == 0


def test_an_unreadable_store_says_so_instead_of_failing_the_scrape(store: Store):
    broken = store.in_database("no_such_database_here")
    samples = scrape(broken)
    assert samples == {("livefest_festival_scrape_ok", ()): 0}


def test_the_api_serves_the_gauges_on_its_registry(store: Store):
    from fastapi.testclient import TestClient

    from kernel.settings import Settings
    from services.api.main import create_app

    insert(store, messy(seed=23, sessions=5, polls=5))
    registry = CollectorRegistry()
    client = TestClient(create_app(Settings(), store, registry=registry))
    client.get("/v1/totals")
    text = client.get("/metrics").text
    assert "livefest_festival_gmv_fen{" in text
    assert 'livefest_api_request_seconds_count{route="/v1/totals",status="2xx"} 1.0' in text
