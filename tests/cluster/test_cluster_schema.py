"""Migrations on a two-shard cluster: applied to every node and recorded on every node,
never to one node only; a node that is down stops them before anything changes; a
single-server command refuses a cluster's database; a reader refuses while any node lacks
a migration, and applies none; a later migration's backfill fills every shard."""


from datetime import UTC

import pytest
from pydantic import SecretStr

from kernel.clickhouse import Store
from kernel.clickhouse_roles import Role
from kernel.cluster import ClusterError
from kernel.cluster_migrate import migrate_cluster
from kernel.layout import Layout, LayoutMismatch, check
from kernel.migrate import available, migrate
from kernel.store_access import NoData, check_schema, open_for_reading
from kernel.store_target import Kind, StoreTarget
from services.aggregator.rows import SNAPSHOT_COLUMNS
from tests.cluster.conftest import node_store, plain_store
from tests.support.cluster import ADMIN, NAME, PASSWORDS, LocalCluster
from tests.support.scenario import messy, stored_rows

LOCAL_TABLES = {"snapshots_local", "lane_newest_local", "lane_closings_local", "session_claims_local",
                "topic_stats_local", "topic_state_local", "settled_sessions_local"}
# The columns of `snapshots` before migration 0008 added appended_at, source, refund_fen and lane.
COLUMNS_BEFORE_0008 = SNAPSHOT_COLUMNS[: SNAPSHOT_COLUMNS.index("appended_at")]


def test_every_node_gets_every_table_and_records_every_migration(cluster: LocalCluster, store: Store):
    assert check(store) == Layout(cluster=NAME, replicated=False)
    want = {m.version for m in available()}
    for node in range(2):
        local = plain_store(cluster, store.database, node)
        names = {row[0] for row in local.rows("SELECT name FROM system.tables WHERE database = currentDatabase()")}
        assert LOCAL_TABLES <= names and {t.removesuffix("_local") for t in LOCAL_TABLES} <= names, node
        assert "session_state" not in names and "session_state_local" not in names  # dropped by 0007
        assert {r[0] for r in local.rows("SELECT DISTINCT version FROM schema_migrations")} == want, node
    assert migrate(store) == []  # the cluster path again: nothing pending


def test_a_node_that_is_down_stops_the_migration_before_anything_changes(cluster: LocalCluster, empty_database: str):
    connected = node_store(cluster, empty_database)
    cluster.stop_node(cluster.nodes[1])
    try:
        with pytest.raises(ClusterError, match=r"node 127\.0\.0\.1:\d+ \(shard 2, replica 1\) .* does not answer"):
            migrate_cluster(connected, new_cluster_replicated=False)
    finally:
        cluster.start_node(cluster.nodes[1])
    first = plain_store(cluster, empty_database, 0)
    assert first.rows("SELECT count() FROM system.tables WHERE database = {d:String}", {"d": empty_database}) == [(0,)]


def test_single_server_commands_refuse_a_cluster_database(cluster: LocalCluster, store: Store):
    one_node = plain_store(cluster, store.database, 0)  # LIVEFEST_CLICKHOUSE_CLUSTER unset
    with pytest.raises(LayoutMismatch, match=f"LIVEFEST_CLICKHOUSE_CLUSTER={NAME}"):
        migrate(one_node)
    target = StoreTarget(Kind.EXTERNAL, cluster.nodes[0].url, store.database, "LIVEFEST_CLICKHOUSE")
    with pytest.raises(NoData, match=f"LIVEFEST_CLICKHOUSE_CLUSTER={NAME}"):
        check_schema(one_node, target)
    check_schema(store, StoreTarget(Kind.EXTERNAL, cluster.nodes[0].url, store.database, "test", cluster=NAME))


def test_readers_refuse_while_one_node_lacks_a_migration_and_never_apply_it(cluster: LocalCluster, store: Store):
    # `report`, `status` and reconcile's reading side open the store so: the schema version
    # of a cluster is the oldest of its nodes', and a reader migrates nothing.
    latest = max(m.version for m in available())
    second = plain_store(cluster, store.database, 1)
    second.command(f"DELETE FROM schema_migrations WHERE version = {latest}")
    target = StoreTarget(Kind.EXTERNAL, cluster.nodes[0].url, store.database, "test", user=ADMIN,
                         password=SecretStr(PASSWORDS[Role.ADMIN]), cluster=NAME)  # fmt: skip
    with pytest.raises(NoData, match=f"schema version {latest - 1}, this code needs {latest}: run `livefest migrate`"):
        open_for_reading(target, need_snapshots=False)
    assert second.rows("SELECT max(version) FROM schema_migrations") == [(latest - 1,)]
    assert plain_store(cluster, store.database, 0).rows("SELECT max(version) FROM schema_migrations") == [(latest,)]


def test_a_fresh_cluster_is_not_created_implicitly(cluster: LocalCluster, empty_database: str):
    # `up`, `rebuild` and reconcile migrate implicitly: on a cluster, only an explicit
    # `livefest migrate` chooses the layout and creates the schema.
    with pytest.raises(ClusterError, match="livefest migrate"):
        migrate(node_store(cluster, empty_database))


@pytest.mark.parametrize("before", [6, 7])
def test_a_later_migrations_backfill_fills_every_shard(
    cluster: LocalCluster, empty_database: str, monkeypatch: pytest.MonkeyPatch, before: int
):
    """Migrations 0007 and 0008 replaced the state tables and backfill the new ones from the
    raw snapshots (0008 after adding columns to the raw tables, local and Distributed): on a
    running cluster, every session's state lands on that session's shard."""
    connected = node_store(cluster, empty_database)
    monkeypatch.setattr("kernel.cluster_migrate.available", lambda: available()[:before])
    migrate_cluster(connected, new_cluster_replicated=False)
    scenario = messy(seed=5, sessions=20, polls=12)
    rows = [row[: len(COLUMNS_BEFORE_0008)] for row in stored_rows(scenario.snapshots)]
    connected.insert("snapshots", rows, COLUMNS_BEFORE_0008)
    monkeypatch.undo()
    applied = migrate(connected)
    assert [m.version for m in applied] == [m.version for m in available()][before:]
    newest = {sid: f.gmv_fen for sid, f in scenario.figures.items()}
    got = connected.rows("SELECT session_id, gmv_fen FROM session_latest")
    assert dict(got) == newest
    # Rows stored before 0008 count as adapters' (lane ''), appended when they were received.
    assert connected.rows("SELECT DISTINCT lane, source FROM snapshots") == [("", "adapter")]
    (wm,) = connected.rows("SELECT max(mark) FROM lane_newest")[0]
    assert wm.replace(tzinfo=UTC) == scenario.watermark  # 2021's event time: before any received_at
    for node in range(2):
        local = plain_store(cluster, empty_database, node)
        raw = {r[0] for r in local.rows("SELECT DISTINCT session_id FROM snapshots_local")}
        derived = [{r[0] for r in local.rows(f"SELECT DISTINCT session_id FROM {table}")}
                   for table in ("lane_newest_local", "lane_closings_local", "session_claims_local")]
        assert raw and all(raw == sessions for sessions in derived), node  # rows and state on one shard
