"""Which layout a livefest database has: one server, or a cluster's `Distributed` tables.

The layout is read from the schema itself (`snapshots` is `Distributed` on a cluster, over
`snapshots_local`, `Replicated*` when replication is used) and must agree with
LIVEFEST_CLICKHOUSE_CLUSTER (`Store.cluster`): a writer that believed it talked to one
server would insert into `Distributed` tables asynchronously and acknowledge rows no shard
holds yet, and a single-server migration would change one node of the cluster only.
`check` refuses both with a message saying what to set.
"""

import re
from dataclasses import dataclass

from kernel.clickhouse import Store


class LayoutMismatch(RuntimeError):
    """The database's layout and LIVEFEST_CLICKHOUSE_CLUSTER disagree; the message says what to set."""


@dataclass(frozen=True)
class Layout:
    """`cluster` None: one server. Otherwise the cluster the tables are `Distributed` over,
    with `Replicated*` local tables when `replicated`."""

    cluster: str | None = None
    replicated: bool = False

    def local(self, table: str) -> str:
        """The table holding this node's rows of `table` (itself on one server)."""
        return f"{table}_local" if self.cluster else table


SINGLE = Layout()

ENGINES_SQL = """
    SELECT name, engine, engine_full FROM system.tables
    WHERE database = currentDatabase() AND name IN ('snapshots', 'snapshots_local')
"""
_DISTRIBUTED_OVER = re.compile(r"^Distributed\('?([A-Za-z_][A-Za-z0-9_]*)'?")


def detect(store: Store) -> Layout | None:
    """The layout of the store's database, or None when it holds no livefest tables yet."""
    engines = {name: (engine, full) for name, engine, full in store.rows(ENGINES_SQL)}
    if "snapshots" not in engines:
        return None
    engine, full = engines["snapshots"]
    if engine != "Distributed":
        return SINGLE
    over = _DISTRIBUTED_OVER.match(full)
    local_engine = engines.get("snapshots_local", ("", ""))[0]
    return Layout(cluster=over[1] if over else "?", replicated=local_engine.startswith("Replicated"))


def check(store: Store) -> Layout | None:
    """The detected layout if it agrees with `store.cluster` (None: no schema yet); LayoutMismatch otherwise."""
    layout = detect(store)
    if layout is None or layout.cluster == store.cluster:
        return layout
    where = f"ClickHouse database {store.database}"
    if store.cluster is None:
        raise LayoutMismatch(
            f"{where} holds the schema of cluster {layout.cluster} (its tables are Distributed): set "
            f"LIVEFEST_CLICKHOUSE_CLUSTER={layout.cluster}, so that writes wait for every shard and schema "
            "changes reach every node"
        )
    if layout.cluster is None:
        raise LayoutMismatch(
            f"{where} holds the single-server schema, but LIVEFEST_CLICKHOUSE_CLUSTER={store.cluster}: unset it, "
            "or use a database migrated on the cluster (`livefest migrate` with the cluster set)"
        )
    raise LayoutMismatch(
        f"{where} is Distributed over cluster {layout.cluster}, not LIVEFEST_CLICKHOUSE_CLUSTER={store.cluster}"
    )
