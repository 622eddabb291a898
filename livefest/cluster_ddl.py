"""`livefest migrate --print-cluster-ddl CLUSTER [--no-replication]`: the cluster schema as a
script to review, generated from the migrations (kernel/cluster_ddl.py converts them).

`livefest migrate` with LIVEFEST_CLICKHOUSE_CLUSTER applies exactly these statements to
every node itself and records them (kernel/cluster_migrate.py); the scripts are for
review, or for applying by hand:
  - replicated (the default): `ON CLUSTER` statements for a cluster with Keeper, run once
    on any node with clickhouse-client; the ledger is replicated across the whole cluster,
    so each migration's `INSERT INTO schema_migrations` records it on every node;
  - `--no-replication`: a cluster without Keeper has no `ON CLUSTER`: the script is run on
    every node in turn, except the statements marked `-- once`, which run on one node after
    every node has run the statements before them (they go through the Distributed tables).
"""

from kernel.cluster_ddl import ClusterStatement, convert, ledger
from kernel.layout import Layout
from kernel.migrate import CREATE_LEDGER, Migration, available


def cluster_ddl(cluster: str, *, replicated: bool = True, migrations: list[Migration] | None = None) -> str:
    """The whole schema for `cluster`, as one script of `;`-terminated statements."""
    layout = Layout(cluster=cluster, replicated=replicated)
    on_cluster = replicated
    statements = [ledger(CREATE_LEDGER, layout, on_cluster)]
    for migration in migrations if migrations is not None else available():
        converted = [_text(s, on_cluster) for st in migration.statements() for s in convert(st, layout, on_cluster)]
        converted.append(record(migration))
        converted[0] = f"-- {migration.version:04d}_{migration.name}\n{converted[0]}"
        statements.extend(converted)
    how = ("apply once, on any node (ON CLUSTER reaches every node)" if on_cluster else
           "no ON CLUSTER without Keeper: run it on every node; a statement marked `-- once` runs on one "
           "node only, after every node has run the statements before it")  # fmt: skip
    header = (f"-- livefest schema for ClickHouse cluster {cluster!r} "
              f"({'replicated' if replicated else 'sharded, not replicated'}), generated from schemas/migrations\n"
              f"-- {how}. `livefest migrate` with LIVEFEST_CLICKHOUSE_CLUSTER={cluster} does all of it.\n")  # fmt: skip
    return header + "".join(f"{statement};\n\n" for statement in statements)


def record(migration: Migration) -> str:
    """The ledger row of `migration` (its name is [a-z0-9_], so the literal is safe)."""
    return f"INSERT INTO schema_migrations (version, name) VALUES ({migration.version}, '{migration.name}')"


def _text(statement: ClusterStatement, on_cluster: bool) -> str:
    if statement.once and not on_cluster:
        return f"-- once\n{statement.sql}"
    return statement.sql
