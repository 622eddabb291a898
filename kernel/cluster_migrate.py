"""Migrations on a cluster (LIVEFEST_CLICKHOUSE_CLUSTER): every node, or none.

Each pending migration is converted to the cluster layout (kernel/cluster_ddl.py); every
statement runs on every node (kernel/cluster.py connects to all of them, so no Keeper is
needed for the DDL), a backfill runs once through the Distributed tables after the
statements before it are on every node, and then every node records the migration in its
own `schema_migrations`. Nothing starts unless every node answers.

The layout (replicated or not) is the one the cluster's schema already has; a new
cluster's is chosen by `livefest migrate [--no-replication]`. Every statement of a
migration is idempotent (`IF NOT EXISTS`, `OR REPLACE`, `IF EXISTS`, backfills of
idempotent aggregates), so a migration interrupted on some nodes is completed by running
`livefest migrate` again: what a node lacks is the tail of the migrations (what the others
already recorded is re-run everywhere, harmlessly). A node missing an older migration than
one it has is refused: its schema is not one this code made.
"""

import logging

from kernel.clickhouse import Store
from kernel.cluster import ClusterError, Node, nodes
from kernel.cluster_ddl import convert, ledger
from kernel.layout import Layout, check
from kernel.migrate import CREATE_LEDGER, Migration, available, record, recorded

log = logging.getLogger(__name__)


def migrate_cluster(store: Store, new_cluster_replicated: bool | None = None) -> list[Migration]:
    """Apply every migration some node of `store`'s cluster lacks to every node (creating the
    database where it is missing); return those applied. A cluster without the schema gets
    it in the layout `new_cluster_replicated` says (None: refuse, say how to create it); a
    cluster with the schema keeps its layout."""
    every = nodes(store, create_database=True)
    layout = cluster_layout(every[0], new_cluster_replicated)
    for node in every:
        node.store.command(ledger(CREATE_LEDGER, layout))
    pending = pending_migrations(every)
    for migration in pending:
        log.info("applying migration %04d_%s to %d nodes", migration.version, migration.name, len(every))
        apply(migration, layout, every)
    return pending


def cluster_layout(first: Node, new_cluster_replicated: bool | None) -> Layout:
    """The cluster's layout: the schema's own, or for a new cluster the one asked for."""
    store = first.store
    assert store.cluster is not None
    found = check(store)
    if found is not None:
        return found
    if new_cluster_replicated is None:
        raise ClusterError(
            f"ClickHouse database {store.database} has no livefest schema on cluster {store.cluster} yet: create it "
            "with `livefest migrate` (add --no-replication for a cluster without Keeper)"
        )
    return Layout(cluster=store.cluster, replicated=new_cluster_replicated)


def pending_migrations(every: list[Node]) -> list[Migration]:
    """The migrations some node has not recorded, in order (ClusterError for a node with a hole)."""
    versions = [m.version for m in available()]
    missing: set[int] = set()
    for node in every:
        have = recorded(node.store)
        lacks = [v for v in versions if v not in have]
        if lacks and any(v > lacks[0] for v in have):
            raise ClusterError(
                f"node {node.address} (shard {node.shard}) of cluster {node.store.cluster} lacks migration "
                f"{lacks[0]:04d} but has later ones ({sorted(have)}): its schema was not made by `livefest migrate`; "
                "compare it with the other nodes before going on"
            )
        missing.update(lacks)
    return [m for m in available() if m.version in missing]


def apply(migration: Migration, layout: Layout, every: list[Node]) -> None:
    """One migration on every node, then recorded on every node."""
    for statement in migration.statements():
        for converted in convert(statement, layout):
            for node in every[:1] if converted.once else every:
                node.store.command(converted.sql)
    for node in every:
        record(node.store, migration)
