"""Every API error case of contract section 3, and key scoping."""

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from tests.engine.conftest import api_client
from tests.engine.test_api_figures import insert
from tests.support.scenario import Scenario, snapshot

pytestmark = pytest.mark.engine

SERIES = "/v1/timeseries?metric=gmv_fen&from=2021-10-23T10:00:00%2B08:00&to=2021-10-23T11:00:00%2B08:00"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/v1/totals?county=guangzhou", "unknown county 'guangzhou'"),
        ("/v1/totals?platform=bilibili", "unknown platform 'bilibili'"),
        ("/v1/totals?special=summer", "unknown special 'summer'"),
        ("/v1/counties?platform=x", "unknown platform 'x'"),
        ("/v1/timeseries?metric=revenue&from=2021-10-23T10:00:00Z&to=2021-10-23T11:00:00Z", "unknown metric"),
        ("/v1/timeseries?metric=gmv_fen&from=yesterday&to=2021-10-23T11:00:00Z", "from: "),
        ("/v1/timeseries?metric=gmv_fen&from=2021-10-23T10:00:00&to=2021-10-23T11:00:00Z", "no UTC offset"),
        ("/v1/timeseries?metric=gmv_fen&from=2021-10-23T10:00:30Z&to=2021-10-23T11:00:00Z", "whole minute"),
        ("/v1/timeseries?metric=gmv_fen&from=2021-10-23T11:00:00Z&to=2021-10-23T10:00:00Z", "must be before"),
        (SERIES + "&step=90s", "whole number of minutes"),
        (SERIES + "&step=often", "is not a duration"),
        ("/v1/timeseries?metric=gmv_fen&from=2021-01-01T00:00:00Z&to=2021-12-31T00:00:00Z&step=1m", "buckets"),
        ("/v1/timeseries?metric=gmv_fen", "from"),
        (SERIES + "&county=atlantis", "unknown county"),
    ],
)
def test_bad_parameters_get_400_saying_why(client: TestClient, path: str, fragment: str):
    response = client.get(path)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def test_unknown_session_is_404(client: TestClient):
    response = client.get("/v1/sessions/douyin:nope")
    assert response.status_code == 404 and "douyin:nope" in response.json()["error"]


def test_openapi_docs_and_metrics_are_served(client: TestClient):
    assert client.get("/docs").status_code == 200
    assert "/v1/totals" in client.get("/openapi.json").json()["paths"]
    client.get("/v1/totals")
    assert "livefest_api_request_seconds" in client.get("/metrics").text


@pytest.fixture
def keyed(store: Store) -> TestClient:
    insert(store, Scenario([
        snapshot(session_id="douyin:y1", county="yingde", gmv_fen=100),
        snapshot(session_id="douyin:f1", county="fogang", gmv_fen=7),
    ]))
    return api_client(store, api_keys="admin:all,yd:yingde")


def _get(client: TestClient, path: str, key: str | None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(path, headers=headers)


@pytest.mark.parametrize(
    ("path", "key", "status"),
    [
        ("/v1/totals", None, 401),
        ("/v1/totals", "wrong", 401),
        ("/v1/totals", "admin", 200),
        ("/v1/totals", "yd", 403),
        ("/v1/totals?county=yingde", "yd", 200),
        ("/v1/totals?county=fogang", "yd", 403),
        ("/v1/totals?county=city", "yd", 403),
        ("/v1/counties", "yd", 403),
        ("/v1/counties", "admin", 200),
        ("/v1/sessions/douyin:y1", "yd", 200),
        ("/v1/sessions/douyin:f1", "yd", 404),  # another county's: as if missing
        ("/v1/sessions/douyin:f1", None, 401),
        (SERIES + "&county=yingde", "yd", 200),
        (SERIES, "yd", 403),
    ],
)
def test_key_scoping(keyed: TestClient, path: str, key: str | None, status: int):
    response = _get(keyed, path, key)
    assert response.status_code == status, response.text
    if status != 200:
        assert response.json()["error"]


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        ("Bearer admin", 200),
        ("bearer admin", 200),  # the scheme's name is case-insensitive (RFC 9110)
        ("BEARER admin", 200),
        ("admin", 401),  # the bare key, without the scheme
        ("Basic admin", 401),
        ("Token admin", 401),
        ("Bearer", 401),
        ("Bearer ", 401),
        ("Bearer wrong", 401),
        ("Bearer admin2", 401),  # a configured key followed by more is another key
        ("Bearer adm", 401),  # and a prefix of one is not one either
    ],
)
def test_the_key_travels_only_as_a_bearer_token(keyed: TestClient, authorization: str, status: int):
    response = keyed.get("/v1/counties", headers={"Authorization": authorization})
    assert response.status_code == status, (authorization, response.text)
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] in {"missing API key: send 'Authorization: Bearer <key>'", "unknown API key"}
        # Refusals are not kept at the edge: the right key afterwards is answered.
        assert keyed.get("/v1/counties", headers={"Authorization": "Bearer admin"}).status_code == 200


def test_a_key_anywhere_but_the_authorization_header_is_no_key(keyed: TestClient):
    # (Not even on GET /v1/stream, which takes a short-lived stream ticket instead.)
    for response in (keyed.get("/v1/counties?api_key=admin"), keyed.get("/v1/counties?access_token=admin"),
                     keyed.get("/v1/counties", headers={"X-Api-Key": "admin"}),
                     keyed.get("/v1/counties", headers={"Cookie": "api_key=admin"})):  # fmt: skip
        assert response.status_code == 401, response.text


def test_a_scoped_key_cannot_tell_another_countys_session_from_a_missing_one(keyed: TestClient):
    other = _get(keyed, "/v1/sessions/douyin:f1", "yd")
    missing = _get(keyed, "/v1/sessions/douyin:f2", "yd")
    assert other.status_code == missing.status_code == 404
    assert other.json() == {"error": "no session 'douyin:f1'"}
    assert missing.json() == {"error": "no session 'douyin:f2'"}
    assert dict(other.headers).keys() == dict(missing.headers).keys()
    assert _get(keyed, "/v1/sessions/douyin:f1", "admin").status_code == 200


def test_health_needs_no_key_and_really_asks_clickhouse(keyed: TestClient):
    assert keyed.get("/healthz").json() == {"status": "ok", "clickhouse": "ok"}


def test_county_key_sees_its_own_figures(keyed: TestClient):
    assert _get(keyed, "/v1/totals?county=yingde", "yd").json()["gmv_fen"] == 100
