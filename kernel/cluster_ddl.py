"""The cluster variant of the migrations: the same literal files, converted statement by statement.

For every table `t` of a migration:
  - `t_local`, the node's own rows, with the migration's engine, or its `Replicated*`
    variant (`'/clickhouse/tables/{shard}/{database}/t_local', '{replica}'`; the macros come
    from each server's config) when the layout is replicated;
  - `t AS t_local ENGINE = Distributed(CLUSTER, currentDatabase(), t_local, cityHash64(key))`,
    so the application keeps reading and writing `t`.
A table with a `session_id` column is sharded by it, any other by the first column of its
sorting key (`platform` for the hashtag readings), so a raw table and the state its views
derive from it agree on the shard of every key: each session's rows, state and closings
live on one shard, the per-key aggregates (and `FINAL`) are complete on that shard, and
cross-shard reads only merge per-key results.
Materialised views run on each node, reading the local raw table and writing the local
target (an insert into the Distributed `snapshots` lands in `snapshots_local` on one shard
and triggers that shard's views). Plain views are created on every node and read the
Distributed tables. A dropped table is dropped with its `_local` twin.
A backfill (`INSERT INTO t SELECT … FROM snapshots`) is kept as it is: run once, on any
node, through the Distributed tables, it aggregates every shard's raw rows and sends each
key's result to that key's shard (`ClusterStatement.once`).
`ALTER TABLE t` changes `t_local` on every node; its `ADD COLUMN` clauses are also applied
to the Distributed `t` (whose columns were copied from `t_local` when it was created), after
the local tables have them. Other clauses (`MODIFY ORDER BY`) concern the local tables only.

Every other statement must run on every node: `on_cluster` adds `ON CLUSTER` for a
cluster with Keeper (the distributed DDL queue); without it, kernel/cluster_migrate.py
runs each statement on every node itself.
"""

import re
from dataclasses import dataclass

from kernel.layout import Layout

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CREATE_TABLE = re.compile(rf"^CREATE TABLE IF NOT EXISTS ({_NAME})\b", re.MULTILINE)
_ENGINE = re.compile(r"ENGINE\s*=\s*(\w*MergeTree)(?:\(([^)]*)\))?")
_CREATE_MV = re.compile(rf"^CREATE MATERIALIZED VIEW IF NOT EXISTS ({_NAME}) TO ({_NAME}) AS", re.MULTILINE)
_CREATE_VIEW = re.compile(rf"^CREATE (VIEW IF NOT EXISTS|OR REPLACE VIEW) ({_NAME}) AS", re.MULTILINE)
_DROP = re.compile(rf"^DROP (VIEW|TABLE) IF EXISTS ({_NAME})$")
_BACKFILL = re.compile(rf"^INSERT INTO ({_NAME})\s+SELECT\b")
_ORDER_BY = re.compile(rf"^ORDER BY\s*\(?\s*({_NAME})", re.MULTILINE)
_ALTER = re.compile(rf"^ALTER TABLE ({_NAME})\s+(.*)$", re.DOTALL)
_ALTER_CLAUSES = {"ADD COLUMN": True, "MODIFY ORDER BY": False}  # clause -> applies to the Distributed table too

# The migration ledger is local to each node: every node records what it has applied.
# Replicated, one Keeper path for the whole cluster (every shard's replicas), so that one
# INSERT on any node records a migration applied `ON CLUSTER` on all of them.
LEDGER_REPLICATED_ENGINE = (
    "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/schema_migrations', '{shard}-{replica}')"
)


class UnsupportedStatement(ValueError):
    pass


@dataclass(frozen=True)
class ClusterStatement:
    """One statement of the cluster variant. `once`: a backfill through the Distributed
    tables, to run on one node after every statement before it ran on every node; any
    other statement runs on every node."""

    sql: str
    once: bool = False


def convert(statement: str, layout: Layout, on_cluster: bool = False) -> list[ClusterStatement]:
    """One migration statement -> its cluster variant (one or two statements)."""
    cluster = _cluster(layout)
    on = f" ON CLUSTER {cluster}" if on_cluster else ""
    body = _strip_comments(statement)
    if _BACKFILL.search(body):
        return [ClusterStatement(body, once=True)]
    if match := _DROP.search(body):
        kind, name = match[1], match[2]
        local = [f"DROP TABLE IF EXISTS {name}_local{on}"] if kind == "TABLE" else []
        return [ClusterStatement(sql) for sql in (f"DROP {kind} IF EXISTS {name}{on}", *local)]
    if match := _CREATE_TABLE.search(body):
        return [ClusterStatement(sql) for sql in _table(body, match[1], layout, on)]
    if match := _CREATE_MV.search(body):
        header = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {match[1]}{on} TO {match[2]}_local AS"
        return [ClusterStatement(_localise_sources(body.replace(match[0], header, 1)))]
    if match := _CREATE_VIEW.search(body):
        return [ClusterStatement(body.replace(match[0], f"CREATE {match[1]} {match[2]}{on} AS", 1))]
    if match := _ALTER.search(body):
        return [ClusterStatement(sql) for sql in _alter(match[1], match[2], on)]
    raise UnsupportedStatement(f"no cluster variant for statement: {body[:80]}…")


def ledger(ledger_sql: str, layout: Layout, on_cluster: bool = False) -> str:
    """The `schema_migrations` table of every node (kernel/migrate.py's CREATE_LEDGER, converted)."""
    on = f" ON CLUSTER {_cluster(layout)}" if on_cluster else ""
    sql = ledger_sql.strip().replace("schema_migrations\n", f"schema_migrations{on}\n", 1)
    if layout.replicated:
        sql = re.sub(r"ENGINE = ReplacingMergeTree\b", LEDGER_REPLICATED_ENGINE, sql, count=1)
    return sql


def _cluster(layout: Layout) -> str:
    if layout.cluster is None or not re.fullmatch(_NAME, layout.cluster):
        raise ValueError(f"cluster name {layout.cluster!r} must be an identifier")
    return layout.cluster


def _table(body: str, name: str, layout: Layout, on: str) -> list[str]:
    engine = _ENGINE.search(body)
    if engine is None:
        raise UnsupportedStatement(f"table {name} has no MergeTree engine")
    key = _shard_key(body)
    if key is None:
        raise UnsupportedStatement(f"table {name} has no ORDER BY to shard by")
    local = f"{name}_local"
    if layout.replicated:
        args = ", ".join(filter(None, [f"'/clickhouse/tables/{{shard}}/{{database}}/{local}'", "'{replica}'",
                                       engine[2]]))  # fmt: skip
        body = body.replace(engine[0], f"ENGINE = Replicated{engine[1]}({args})", 1)
    body = _CREATE_TABLE.sub(f"CREATE TABLE IF NOT EXISTS {local}{on}", body, count=1)
    distributed = (f"CREATE TABLE IF NOT EXISTS {name}{on} AS {local}\n"
                   f"ENGINE = Distributed({layout.cluster}, currentDatabase(), {local}, cityHash64({key}))")
    return [body, distributed]


def _alter(name: str, clauses_text: str, on: str) -> list[str]:
    clauses = _top_level_split(clauses_text)
    both = []
    for clause in clauses:
        kind = next((k for k in _ALTER_CLAUSES if clause.upper().startswith(k)), None)
        if kind is None:
            raise UnsupportedStatement(f"no cluster variant for ALTER TABLE {name} clause: {clause[:60]}…")
        if _ALTER_CLAUSES[kind]:
            both.append(clause)
    joined = ",\n    "
    statements = [f"ALTER TABLE {name}_local{on}\n    {joined.join(clauses)}"]
    if both:
        statements.append(f"ALTER TABLE {name}{on}\n    {joined.join(both)}")
    return statements


def _top_level_split(text: str) -> list[str]:
    """`text` split at the commas outside parentheses and quotes, each part stripped."""
    parts, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == "'" and (not current or current[-1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _shard_key(body: str) -> str | None:
    # Every table derived from the snapshots keeps each session on the shard of its raw rows.
    if re.search(r"^\s+session_id\s+String\b", body, re.MULTILINE):
        return "session_id"
    key = _ORDER_BY.search(body)
    return key[1] if key else None


def _localise_sources(body: str) -> str:
    # A materialised view's source tables are the shard-local tables.
    return re.sub(rf"\b(FROM|JOIN)\s+({_NAME})\b", lambda m: f"{m[1]} {m[2]}_local", body)


def _strip_comments(statement: str) -> str:
    lines = [line for line in statement.splitlines() if not line.strip().startswith("--")]
    return "\n".join(lines).strip()
