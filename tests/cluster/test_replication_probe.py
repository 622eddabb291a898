"""What this machine can and cannot try of replication, pinned so that it fails loudly when
it changes (deploy/README.md, "What was tried").

The Replicated engines need a coordinator and an interserver HTTP listener on every
replica (replicas fetch each other's parts over it). The chdb wheel's clickhouse-local:
  - starts no embedded Keeper (`<keeper_server>` is ignored), but connects to a real
    ZooKeeper (here from the Kafka 3.9 jars): the generated Replicated DDL is accepted on
    every node and registers each replica at its macro-expanded path;
  - refuses to open the interserver HTTP listener, so every Replicated table stays
    read-only, and has no distributed DDL worker, so `ON CLUSTER` is refused.
So the two-shard tests run the sharded layout without replication. If this test fails
because a Replicated table became writable, replication can be tested here: extend
tests/support/cluster.py with replicas and run tests/cluster with the replicated layout.
"""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from kernel.cluster_ddl import convert, ledger
from kernel.layout import Layout
from kernel.migrate import CREATE_LEDGER, available
from tests.support.cluster import NAME, LocalCluster
from tests.support.pipeline import free_port, wait_until
from tests.support.zookeeper import ZooKeeper

DATABASE = "replicated"
INTERSERVER_ERROR = ("SELECT count() FROM system.errors WHERE name = 'NO_ELEMENTS_IN_CONFIG' "
                     "AND last_error_message LIKE '%interserver_http(s)_port%required for replication%'")


@pytest.fixture(scope="module")
def zookeeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZooKeeper]:
    running = ZooKeeper(tmp_path_factory.mktemp("zk")).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def cluster_with_zookeeper(tmp_path_factory: pytest.TempPathFactory, zookeeper: ZooKeeper) -> Iterator[LocalCluster]:
    host, port = zookeeper.address.split(":")
    coordinator = f"<zookeeper><node><host>{host}</host><port>{port}</port></node></zookeeper>"
    running = LocalCluster(tmp_path_factory.mktemp("zkcluster"), extra_config=coordinator).start()
    try:
        yield running
    finally:
        running.close()


def test_the_replicated_ddl_registers_every_replica_in_zookeeper_but_tables_stay_read_only(
    cluster_with_zookeeper: LocalCluster,
):
    layout = Layout(cluster=NAME, replicated=True)
    stores = [cluster_with_zookeeper.store(n) for n in range(len(cluster_with_zookeeper.nodes))]
    for store in stores:  # what kernel/cluster_migrate.py runs on every node, backfills aside
        store.command(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        node = store.in_database(DATABASE)
        node.command(ledger(CREATE_LEDGER, layout))
        _migrate_until_the_first_alter(node, layout)
    for shard, store in enumerate(stores, start=1):
        replicas = dict(store.rows("SELECT table, zookeeper_path FROM system.replicas WHERE database = {d:String}",
                                   {"d": DATABASE}))  # fmt: skip
        assert replicas["snapshots_local"] == f"/clickhouse/tables/{shard}/{DATABASE}/snapshots_local"
        assert replicas["schema_migrations"] == f"/clickhouse/tables/{DATABASE}/schema_migrations"
        (name,) = store.rows("SELECT replica_name FROM system.replicas WHERE table = 'schema_migrations'")[0]
        assert name == f"{shard}-r1"  # one ledger for the whole cluster, one replica per node
        assert "session_state_local" not in replicas  # dropped by 0007
        # Why nothing can be written: activating a replica needs the interserver address.
        wait_until(lambda s=store: s.rows(INTERSERVER_ERROR)[0][0], 60, "the replicas' activation to fail")
        assert store.rows("SELECT min(is_readonly) FROM system.replicas") == [(1,)], \
            "a Replicated table is writable on the chdb server: replication can now be tested here"
        with pytest.raises(StoreError, match="supports only TCP and HTTP"):
            store.command("SYSTEM START LISTEN INTERSERVER HTTP")
        with pytest.raises(StoreError, match="Replicated DDL queries are disabled"):
            store.command(f"CREATE DATABASE IF NOT EXISTS probe ON CLUSTER {NAME}")


def _migrate_until_the_first_alter(node: Store, layout: Layout) -> None:
    """Every statement until the first ALTER (0008), which is refused like any write to a
    read-only replica (the rest of that migration builds on the columns it adds)."""
    for migration in available():
        for statement in migration.statements():
            for converted in convert(statement, layout):
                if converted.sql.startswith("ALTER TABLE"):
                    with pytest.raises(StoreUnavailable, match="readonly mode"):  # transient, elsewhere
                        node.command(converted.sql)
                    return
                if not converted.once:
                    node.command(converted.sql)
    raise AssertionError("no migration alters a table any more: run every statement here again")


def test_no_embedded_keeper_is_started(tmp_path: Path):
    """`<keeper_server>` in the configuration starts nothing on its port (the server answers
    queries first: by then a Keeper would listen)."""
    keeper_port, raft_port = free_port(), free_port()
    keeper = (f"<keeper_server><tcp_port>{keeper_port}</tcp_port><server_id>1</server_id>"
              f"<log_storage_path>{tmp_path}/log</log_storage_path>"
              f"<snapshot_storage_path>{tmp_path}/snapshots</snapshot_storage_path>"
              f"<raft_configuration><server><id>1</id><hostname>127.0.0.1</hostname><port>{raft_port}</port></server>"
              "</raft_configuration></keeper_server>")  # fmt: skip
    cluster = LocalCluster(tmp_path / "keeper", shards=1, extra_config=keeper).start()
    try:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", keeper_port), timeout=2).close()
    finally:
        cluster.close()
