import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.migrate import migrate
from kernel.settings import Settings
from services.api.main import create_app

# chdb allows one engine per process, and the engine keeps the first path it was opened
# with: every engine test shares one store and gets its own database in it.
_STORE: Store | None = None


def shared_store(root: Path) -> Store:
    """The embedded engine, or the ClickHouse server LIVEFEST_TEST_CLICKHOUSE names (an
    http:// DSN: the same tests on the server path)."""
    global _STORE
    if _STORE is None:
        _STORE = Store(os.environ.get("LIVEFEST_TEST_CLICKHOUSE") or f"chdb://{root}")
    return _STORE


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Store]:
    base = shared_store(tmp_path_factory.getbasetemp() / "chdb")
    database = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:60]
    base.command(f"DROP DATABASE IF EXISTS {database}")
    base.command(f"CREATE DATABASE {database}")
    scoped = base.in_database(database)
    migrate(scoped)
    yield scoped
    base.command(f"DROP DATABASE IF EXISTS {database}")


def api_client(store: Store, **settings: object) -> TestClient:
    app = create_app(Settings(**settings), store, registry=CollectorRegistry())
    return TestClient(app)


@pytest.fixture
def client(store: Store) -> TestClient:
    return api_client(store)
