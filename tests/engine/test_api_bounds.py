"""Issue 8: the API never answers 5xx to a request's content; every bad parameter gets a
4xx JSON error saying what is wrong. Issue 11: `step` as Prometheus and Grafana read it."""

from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api.main import create_app
from tests.engine.test_api_figures import insert
from tests.support.scenario import START, Scenario, snapshot

pytestmark = pytest.mark.engine

DAY = "from=2021-10-23T00:00:00%2B08:00&to=2021-10-24T00:00:00%2B08:00"


def series(client: TestClient, query: str):  # type: ignore[no-untyped-def]
    return client.get(f"/v1/timeseries?metric=gmv_fen&{query}")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("from=9999-12-31T23:00:00%2B00:00&to=9999-12-31T23:59:00%2B00:00", "outside the instants"),
        ("from=1999-01-01T00:00:00Z&to=2000-01-01T00:00:00Z", "outside the instants"),
        ("from=2021-10-23T00:00:00Z&to=2106-02-08T00:00:00Z", "outside the instants"),
        ("from=2021-10-23T00:00:00%2B08:00:30&to=2021-10-24T00:00:00Z", "not an RFC 3339"),
        ("from=2021-10-23T00:00:00.0000000Z&to=2021-10-24T00:00:00Z", "not an RFC 3339"),
        ("from=2021-W42-6T00:00:00Z&to=2021-10-24T00:00:00Z", "not an RFC 3339"),
        ("from=2021-10-23T00:00Z&to=2021-10-24T00:00:00Z", "not an RFC 3339"),
        ("from=2021-02-30T00:00:00Z&to=2021-10-24T00:00:00Z", "not a valid instant"),
        (DAY + "&step=" + "9" * 30, "is not a duration"),
        (DAY + "&step=" + "9" * 5000, "is not a duration"),
        (DAY + "&step=999d", "longer than 366 days"),
        (DAY + "&step=" + "1" * 9 + "d", "is not a duration"),
        (DAY + "&step=0", "positive whole number of minutes"),
        (DAY + "&step=0m", "positive whole number of minutes"),
        (DAY + "&step=90", "positive whole number of minutes"),
        (DAY + "&step=30s", "positive whole number of minutes"),
        (DAY + "&step=-60", "is not a duration"),
        (DAY + "&step=" + quote("٣٠٠"), "is not a duration"),  # Arabic-Indic digits
        (DAY + "&step=1.5h", "is not a duration"),
        (DAY + "&step=1h%20", "is not a duration"),
        ("from=2000-01-01T00:00:00Z&to=2105-12-31T00:00:00Z&step=1d", "buckets"),
    ],
)
def test_bad_parameters_get_400_json(client: TestClient, query: str, fragment: str):
    response = series(client, query)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/v1/totals?as_of=9999-12-31T23:00:00Z", "outside the instants"),
        ("/v1/totals?as_of=2021-10-23T10:00:00.1234567Z", "not an RFC 3339"),
        ("/v1/totals?as_of=2021-10-23T10:00:00%2B08:00:30", "not an RFC 3339"),
        ("/v1/counties?as_of=0001-01-01T00:00:00Z", "outside the instants"),
        ("/v1/totals?county=" + "x" * 5000, "unknown county"),
        ("/v1/sessions/" + "a" * 129, "session_id"),
        ("/v1/sessions/" + quote("douyin:房间"), "session_id"),
    ],
)
def test_other_bad_parameters_get_400_json(client: TestClient, path: str, fragment: str):
    response = client.get(path)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def test_unknown_paths_are_json_404(client: TestClient):
    response = client.get("/v2/totals")
    assert response.status_code == 404 and response.json() == {"error": "Not Found"}


@pytest.fixture
def one_session(store: Store, client: TestClient) -> TestClient:
    from datetime import timedelta

    insert(store, Scenario([
        snapshot(observed_at=START + timedelta(minutes=m), gmv_fen=100 * m) for m in range(0, 181, 1)
    ]))  # fmt: skip
    return client


@pytest.mark.parametrize(
    ("step", "seconds"),
    [("60", 60), ("3600", 3600), ("300s", 300), ("5m", 300), ("1h", 3600), ("1d", 86400), ("086400", 86400)],
)
def test_a_bare_step_is_seconds(one_session: TestClient, step: str, seconds: int):
    got = series(one_session, DAY + f"&step={step}").json()
    assert got["step"] == seconds
    points = got["points"]
    assert len(points) == -(-86400 // seconds)
    # START is 23:50 Shanghai; 100 fen a minute until 02:50 the next day: 10 minutes of
    # increases on the 23rd (the first snapshot's 0 counts from nothing).
    assert sum(p["value"] for p in points) == 100 * 9


def test_the_widest_range_and_step_stay_within_the_store(one_session: TestClient):
    response = series(one_session, "from=2105-12-01T00:00:00Z&to=2105-12-31T23:59:00-23:59&step=366d")
    assert response.status_code == 200, response.text
    assert response.json()["points"] == [{"t": "2105-12-01T08:00:00.000+08:00", "value": 0}]
    everything = series(one_session, "from=2000-01-01T00:00:00Z&to=2105-12-31T00:00:00Z&step=366d")
    assert everything.status_code == 200, everything.text
    assert sum(p["value"] for p in everything.json()["points"]) == 180 * 100


def test_anything_unexpected_is_a_json_500_without_internals(store: Store):
    app: FastAPI = create_app(Settings(), store, registry=__import__("prometheus_client").CollectorRegistry())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
