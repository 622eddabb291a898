"""`GET /v1/totals?as_of=T` against the reference semantics on the snapshots observed at
or before T, and `livefest rebuild` reproducing every derived table and API answer."""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from kernel import semantics
from kernel.clickhouse import Store
from kernel.timeutil import rfc3339
from livefest.rebuild import derived_tables, rebuild
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS
from tests.engine.test_api_figures import insert
from tests.engine.test_report import insert_readings
from tests.support.checks import assert_api_matches
from tests.support.hashtag_scenario import messy_readings
from tests.support.scenario import expected_totals, messy

pytestmark = pytest.mark.engine


def _ok(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def test_totals_as_of_match_the_contract_on_the_snapshots_seen_by_then(store: Store, client: TestClient):
    scenario = messy(seed=21, sessions=14, polls=24)
    insert(store, scenario)
    observed = sorted({s.observed_at for s in scenario.snapshots})
    # Instants between snapshots, on a snapshot exactly (inclusive), and after everything.
    instants = [observed[5] - timedelta(microseconds=1), observed[5], observed[len(observed) // 2],
                observed[-1] + timedelta(minutes=1), observed[-40]]
    for at in instants:
        seen = [s for s in scenario.snapshots if s.observed_at <= at]
        figures = semantics.all_session_figures(seen)
        mark = semantics.watermark(seen)
        q = f"as_of={quote(rfc3339(at))}"
        assert _ok(client, f"/v1/totals?{q}") == {**expected_totals(figures), "as_of": rfc3339(mark)}, at
        for county in COUNTIES[:4]:
            got = _ok(client, f"/v1/totals?{q}&county={county}")
            assert got == {**expected_totals(figures, county=county), "as_of": rfc3339(mark)}
        for platform in PLATFORMS[:3]:
            got = _ok(client, f"/v1/totals?{q}&platform={platform}")
            assert got == {**expected_totals(figures, platform=platform), "as_of": rfc3339(mark)}
        for special in (*SPECIALS, "none"):
            got = _ok(client, f"/v1/totals?{q}&special={special}")
            assert got == {**expected_totals(figures, special=special), "as_of": rfc3339(mark)}
        counties = _ok(client, f"/v1/counties?{q}")["counties"]
        assert {c["county"]: {k: v for k, v in c.items() if k != "county"} for c in counties} == {
            county: expected_totals(figures, county=county) for county in COUNTIES
        }


def test_as_of_before_the_first_snapshot_and_bad_values(store: Store, client: TestClient):
    scenario = messy(seed=22, sessions=4, polls=6)
    insert(store, scenario)
    first = min(s.observed_at for s in scenario.snapshots)
    before = _ok(client, f"/v1/totals?as_of={quote(rfc3339(first - timedelta(seconds=1)))}")
    assert before["sessions"] == 0 and before["gmv_fen"] == 0 and before["as_of"] is None
    latest_now = _ok(client, "/v1/totals")
    far = _ok(client, "/v1/totals?as_of=2100-01-01T00:00:00Z")
    assert far == latest_now  # after the watermark, as_of answers the live figures
    for bad in ("yesterday", "2021-10-23T10:00:00"):
        response = client.get(f"/v1/totals?as_of={bad}")
        assert response.status_code == 400 and "as_of" in response.json()["error"]


def series_window(scenario_watermark: datetime) -> tuple[datetime, datetime]:
    end = scenario_watermark.replace(second=0, microsecond=0) + timedelta(minutes=2)
    return end - timedelta(minutes=40), end


def assert_bare_step_series_are_the_truth(answers: dict[str, Any], scenario: Any) -> None:
    """The bare `step=60` answers are 60-second buckets (a bare number is seconds), each the
    reference semantics' figure: 40 buckets from the window's start."""
    start, _ = series_window(scenario.watermark)
    for metric in semantics.METRICS:
        (got,) = [answer for path, answer in answers.items() if path.startswith(f"/v1/timeseries?metric={metric}&")]
        truth = semantics.timeseries(scenario.snapshots, metric, start, timedelta(seconds=60), 40,
                                     at=scenario.watermark)
        assert got["points"] == [{"t": rfc3339(t), "value": v} for t, v in truth], metric
        assert any(v for _, v in truth), metric  # a window with something in it


def all_answers(client: TestClient, scenario_watermark: datetime, session_ids: list[str]) -> dict[str, Any]:
    """Every API answer worth comparing, keyed by path."""
    paths = ["/v1/totals", "/v1/counties", "/v1/specials", *(f"/v1/totals?county={c}" for c in COUNTIES),
             *(f"/v1/totals?platform={p}" for p in PLATFORMS), *(f"/v1/totals?special={s}" for s in SPECIALS),
             *(f"/v1/sessions/{sid}" for sid in session_ids)]
    start, end = series_window(scenario_watermark)
    for metric in semantics.METRICS:
        paths.append(f"/v1/timeseries?metric={metric}&from={quote(rfc3339(start))}&to={quote(rfc3339(end))}&step=60")
    return {path: _ok(client, path) for path in paths}


def test_rebuild_reproduces_every_derived_table_and_answer(store: Store, client: TestClient):
    scenario = messy(seed=23, sessions=16, polls=24)
    insert(store, scenario)
    insert_readings(store, messy_readings(seed=23, polls=10))
    targets = {t.target for t in derived_tables(store)}
    assert targets == set(DIGESTS)
    before = all_answers(client, scenario.watermark, sorted(scenario.figures))
    tables_before = {t: _table_digest(store, t) for t in targets}

    store.command("TRUNCATE TABLE lane_newest")  # lost or damaged derived tables
    store.command("TRUNCATE TABLE topic_state")
    assert _ok(client, "/v1/totals")["sessions"] == 0
    assert _ok(client, "/v1/specials")["specials"][0]["reads"] == 0

    rebuilt = rebuild(store)
    assert {t.target for t in rebuilt} == targets
    assert all_answers(client, scenario.watermark, sorted(scenario.figures)) == before
    assert_bare_step_series_are_the_truth(before, scenario)
    assert {t: _table_digest(store, t) for t in targets} == tables_before
    assert_api_matches(lambda path: _ok(client, path), scenario)
    rebuild(store)  # twice is the same as once
    assert all_answers(client, scenario.watermark, sorted(scenario.figures)) == before


# Each derived table's finalised content (merged aggregate states), independent of its parts.
DIGESTS = {
    "lane_newest": "SELECT * FROM session_latest ORDER BY session_id",
    "lane_closings": "SELECT * FROM session_minute_increase ORDER BY session_id, minute",
    "session_claims": "SELECT * FROM session_owner ORDER BY session_id",
    "topic_state": "SELECT * FROM topic_latest ORDER BY platform, topic, special",
}


def _table_digest(store: Store, table: str) -> list[tuple[Any, ...]]:
    return store.rows(DIGESTS[table])
