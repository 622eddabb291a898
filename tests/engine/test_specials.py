"""`GET /v1/specials` on the real engine against the reference semantics."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from tests.engine.conftest import api_client
from tests.engine.test_api_figures import insert
from tests.engine.test_report import insert_readings
from tests.support.hashtag_scenario import messy_readings, reading
from tests.support.scenario import START, messy
from tests.support.specials_truth import expected_specials

pytestmark = pytest.mark.engine


def _ok(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def test_specials_match_the_contract(store: Store, client: TestClient):
    scenario = messy(seed=41, sessions=20, polls=20)
    readings = messy_readings(seed=41, polls=25)
    insert(store, scenario)
    insert_readings(store, readings)
    got = _ok(client, "/v1/specials")
    assert got == expected_specials(scenario, readings)
    assert [s["special"] for s in got["specials"]] == ["launch", "rural", "fashion"]
    assert all(s["reads"] > 0 and isinstance(s["progress_bp"], int) for s in got["specials"])
    for row in got["specials"]:  # the figures are exactly those of /v1/totals?special=X
        totals = _ok(client, f"/v1/totals?special={row['special']}")
        assert {k: row[k] for k in totals if k != "as_of"} == {k: v for k, v in totals.items() if k != "as_of"}
    insert_readings(store, readings)  # a replay changes nothing
    assert _ok(client, "/v1/specials") == expected_specials(scenario, readings)


def test_specials_before_any_data_and_progress_rounding(store: Store, client: TestClient):
    assert _ok(client, "/v1/specials") == expected_specials(None, [])
    # 333,333 of 1,000,000 reads: 3333 basis points, rounded down, never a float.
    readings = [reading("douyin", "launch", START, 300_000), reading("kuaishou", "launch", START, 33_333)]
    insert_readings(store, readings)
    launch = _ok(client, "/v1/specials")["specials"][0]
    assert (launch["reads"], launch["progress_bp"], launch["progress"]) == (333_333, 3333, "33.33%")


def test_county_scoped_keys_cannot_read_specials(store: Store):
    client = api_client(store, api_keys="k1:all,k2:yingde")
    assert client.get("/v1/specials", headers={"Authorization": "Bearer k1"}).status_code == 200
    assert client.get("/v1/specials", headers={"Authorization": "Bearer k2"}).status_code == 403
    assert client.get("/v1/specials").status_code == 401
