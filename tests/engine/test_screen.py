"""GET /v1/screen on the real engine against the reference semantics, and who sees which
screen."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from tests.engine.conftest import api_client
from tests.engine.test_api_figures import insert
from tests.engine.test_report import insert_readings
from tests.support.hashtag_scenario import messy_readings
from tests.support.scenario import messy
from tests.support.screen_truth import expected_screen

pytestmark = pytest.mark.engine


def _screen(client: TestClient, path: str = "/v1/screen", **headers: str) -> dict[str, Any]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    assert body.pop("stale_after_s") == 60
    return body


def test_city_screen_matches_the_contract(store: Store, client: TestClient):
    scenario, readings = messy(seed=7, sessions=20, polls=25), messy_readings(seed=7, polls=20)
    insert(store, scenario)
    insert_readings(store, readings)
    got = _screen(client)
    assert got == expected_screen(scenario, readings, county=None)
    assert got["totals"]["gmv_fen"] == client.get("/v1/totals").json()["gmv_fen"]
    assert got["curve"][-1]["gmv_fen"] <= got["totals"]["gmv_fen"]  # the day's part of it


@pytest.mark.parametrize("county", ["qingcheng", "city"])
def test_county_screen_shows_that_county_only(store: Store, county: str):
    scenario = messy(seed=8, sessions=24, polls=20)
    insert(store, scenario)
    client = api_client(store, api_keys=f"all-key:all,{county}-key:{county}")
    mine = _screen(client, **{"Authorization": f"Bearer {county}-key"})
    assert mine == expected_screen(scenario, [], county=county)
    assert {room["county"] for room in mine["top_rooms"]} <= {county}
    # An `all` key asking for the county sees the same screen.
    assert _screen(client, f"/v1/screen?county={county}", Authorization="Bearer all-key") == mine


def test_screen_access(store: Store):
    client = api_client(store, api_keys="k-all:all,k-yingde:yingde")
    assert client.get("/v1/screen").status_code == 401
    assert client.get("/v1/screen", headers={"Authorization": "Bearer nope"}).status_code == 401
    yingde = {"Authorization": "Bearer k-yingde"}
    assert client.get("/v1/screen?county=fogang", headers=yingde).status_code == 403
    assert client.get("/v1/screen?county=city", headers=yingde).status_code == 403
    assert client.get("/v1/screen?county=nowhere", headers=yingde).status_code == 400


def test_screen_before_any_snapshot(client: TestClient):
    got = _screen(client)
    assert (got["as_of"], got["day"], got["curve"], got["top_rooms"]) == (None, None, [], [])
    assert got["totals"]["gmv_fen"] == 0 and len(got["counties"]) == 9
    assert [h["target"] for h in got["hashtags"]] == [1_000_000, 500_000, 400_000]
