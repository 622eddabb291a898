from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from kernel.cluster import nodes
from kernel.cluster_migrate import migrate_cluster
from tests.engine.conftest import api_client
from tests.support.cluster import NAME, LocalCluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Two local ClickHouse servers forming the two-shard cluster `festival`, shared by a
    module's tests (each works in a database of its own)."""
    running = LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    try:
        yield running
    finally:
        running.close()


def node_store(cluster: LocalCluster, database: str, node: int = 0) -> Store:
    """LIVEFEST_CLICKHOUSE=<node's DSN> with LIVEFEST_CLICKHOUSE_CLUSTER=festival, as a process sees it."""
    return cluster.store(node, cluster=NAME).in_database(database)


def plain_store(cluster: LocalCluster, database: str, node: int) -> Store:
    """One node on its own (its local tables), for checking where rows are."""
    return cluster.store(node).in_database(database)


@pytest.fixture
def empty_database(cluster: LocalCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:60]
    yield name
    for node in range(len(cluster.nodes)):
        cluster.store(node).command(f"DROP DATABASE IF EXISTS {name} SYNC")


@pytest.fixture
def store(cluster: LocalCluster, empty_database: str) -> Store:
    """A database with the cluster schema (sharded, not replicated) on every node."""
    connected = node_store(cluster, empty_database)
    migrate_cluster(connected, new_cluster_replicated=False)
    assert len(nodes(connected)) == 2
    return connected


@pytest.fixture
def client(store: Store) -> TestClient:
    """The API in process, reading through the connected node (`livefest api` with the cluster set)."""
    return api_client(store)
