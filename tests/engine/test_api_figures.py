"""The API's SQL against the real ClickHouse engine (embedded), held to the reference
semantics. Rows are inserted the way the aggregator inserts them, duplicates included."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from services.aggregator.rows import SNAPSHOT_COLUMNS
from tests.support.checks import assert_api_matches
from tests.support.scenario import START, Scenario, messy, snapshot, stored_rows

pytestmark = pytest.mark.engine


def insert(store: Store, scenario: Scenario, batch: int = 97) -> None:
    rows = stored_rows(scenario.records)
    for i in range(0, len(rows), batch):
        store.insert("snapshots", rows[i : i + batch], SNAPSHOT_COLUMNS)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_matches_the_contract(store: Store, client: TestClient, seed: int):
    scenario = messy(seed=seed, sessions=18, polls=30)
    insert(store, scenario)
    assert_api_matches(lambda path: _ok(client, path), scenario)


def test_inserting_everything_twice_changes_nothing(store: Store, client: TestClient):
    scenario = messy(seed=9, sessions=10, polls=20)
    insert(store, scenario)
    before = _ok(client, "/v1/counties")
    insert(store, scenario, batch=13)  # a replay after a crash, batched differently
    assert _ok(client, "/v1/counties") == before
    assert_api_matches(lambda path: _ok(client, path), scenario)


def test_same_identity_twice_keeps_the_later_delivery(store: Store, client: TestClient):
    first = snapshot(gmv_fen=100, orders=1)
    again = snapshot(gmv_fen=90, orders=1)  # same (session_id, observed_at), later offset
    store.insert("snapshots", stored_rows([first], first_offset=5), SNAPSHOT_COLUMNS)
    store.insert("snapshots", stored_rows([again], first_offset=6), SNAPSHOT_COLUMNS)
    store.insert("snapshots", stored_rows([first], first_offset=5), SNAPSHOT_COLUMNS)
    assert _ok(client, "/v1/totals")["gmv_fen"] == 90


def test_a_downward_correction_stands(store: Store, client: TestClient):
    scenario = Scenario([
        snapshot(observed_at=START, gmv_fen=5_000),
        snapshot(observed_at=START + timedelta(seconds=90), gmv_fen=3_000),  # refund
        snapshot(observed_at=START + timedelta(seconds=30), gmv_fen=4_000),  # late
    ])
    insert(store, scenario)
    assert _ok(client, "/v1/totals")["gmv_fen"] == 3_000
    assert_api_matches(lambda path: _ok(client, path), scenario)


def test_empty_store_answers_zeros(client: TestClient):
    totals = _ok(client, "/v1/totals")
    assert totals == {"gmv_fen": 0, "orders": 0, "units_sold": 0, "viewers_total": 0, "viewers_online": 0,
                      "sessions": 0, "sessions_live": 0, "refund_fen": 0, "refund_sessions": 0, "as_of": None}
    assert len(_ok(client, "/v1/counties")["counties"]) == 9


def _ok(client: TestClient, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()
