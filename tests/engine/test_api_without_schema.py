"""Issue 24: an API started on a store without livefest's schema answered 500 to every
figure ("internal error reading the figures"; the log said `Database livefest does not
exist`). Every figure route now answers 503 with `{"error": …, "hint": "run livefest
migrate"}`, /healthz says what is missing, and once `livefest migrate` ran, all answer."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from kernel.migrate import migrate
from tests.engine.conftest import api_client

pytestmark = pytest.mark.engine

FIGURE_ROUTES = (
    "/v1/totals", "/v1/totals?county=yingde", "/v1/totals?as_of=2021-10-23T20:00:00%2B08:00", "/v1/counties",
    "/v1/specials", "/v1/sessions/douyin:1", "/v1/screen", "/v1/metrics",
    "/v1/timeseries?metric=gmv_fen&step=1h&from=2021-10-23T00:00:00Z&to=2021-10-24T00:00:00Z",
)  # fmt: skip


@pytest.fixture
def bare(store: Store) -> Iterator[Store]:
    """A database of its own, created but never migrated (dropped afterwards)."""
    name = f"{store.database}_bare"
    store.command(f"CREATE DATABASE IF NOT EXISTS {name}")
    yield store.in_database(name)
    store.command(f"DROP DATABASE IF EXISTS {name}")


def assert_says_migrate(client: TestClient, missing: str) -> None:
    for path in FIGURE_ROUTES:
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code, response.text)
        assert response.json() == {"error": "the figures store does not hold livefest's schema yet",
                                   "hint": "run livefest migrate"}, path  # fmt: skip
        assert response.headers["Retry-After"] == "30"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "clickhouse": "ok", "migrations": missing,
                             "hint": "run livefest migrate"}  # fmt: skip
    assert client.get("/metrics").status_code == 200  # the operational metrics say scrape_ok 0


def test_no_database_at_all(store: Store):
    assert_says_migrate(api_client(store.in_database(f"{store.database}_nowhere")), "missing")


def test_a_database_without_the_schema_then_migrated(bare: Store):
    client = api_client(bare)
    assert_says_migrate(client, "missing")
    migrate(bare)
    assert client.get("/healthz").json() == {"status": "ok", "clickhouse": "ok"}
    for path in FIGURE_ROUTES:
        assert client.get(path).status_code in (200, 404), path  # 404: the unknown session


def test_a_schema_behind_the_code_is_named(bare: Store):
    migrate(bare)
    newest = bare.rows("SELECT max(version) FROM schema_migrations")[0][0]
    bare.command("ALTER TABLE schema_migrations DELETE WHERE version = {v:UInt32} SETTINGS mutations_sync = 1",
                 {"v": newest})  # fmt: skip
    health = api_client(bare).get("/healthz")
    assert health.status_code == 503 and health.json()["migrations"] == "behind", health.text
