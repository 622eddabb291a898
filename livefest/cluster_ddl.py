"""The replicated, sharded variant of the migrations, generated from the same files.

`livefest migrate --print-cluster-ddl CLUSTER` prints it. For every table `t` of a
migration it emits
  - `t_local ON CLUSTER`, engine `Replicated<Engine>('/clickhouse/tables/{shard}/{database}/t_local', '{replica}', …)`
    (the `{shard}`/`{replica}` macros come from each server's config), and
  - `t ON CLUSTER AS t_local ENGINE = Distributed(CLUSTER, currentDatabase(), t_local, cityHash64(<first sort key>))`,
so the application keeps reading and writing `t`. A table with a `session_id` column is
sharded by it, any other by the first column of its sorting key (`platform` for the
hashtag readings), so a raw table and the state its views derive from it agree on the shard of
every key: each session's rows, state and minutes stay on one shard, the per-key
aggregates stay exact, and cross-shard reads only add sums.
Materialized views run on each shard, reading the local raw table and writing the local
target (an insert into the Distributed `snapshots` lands in `snapshots_local` on one
shard and triggers that shard's views). Plain views are created on every node and read
the Distributed tables. Derived objects a later migration drops are dropped everywhere
(the table and its `_local` twin). A migration's backfill (`INSERT INTO … SELECT`) is
left out: this script sets up a fresh cluster, where the views fill the tables from the
first insert on.
"""

import re

from kernel.migrate import CREATE_LEDGER, Migration, available

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CREATE_TABLE = re.compile(rf"^CREATE TABLE IF NOT EXISTS ({_NAME})\s*\n", re.MULTILINE)
_ENGINE = re.compile(r"ENGINE\s*=\s*(\w*MergeTree)(?:\(([^)]*)\))?")
_CREATE_MV = re.compile(rf"^CREATE MATERIALIZED VIEW IF NOT EXISTS ({_NAME}) TO ({_NAME}) AS", re.MULTILINE)
_CREATE_VIEW = re.compile(rf"^CREATE (VIEW IF NOT EXISTS|OR REPLACE VIEW) ({_NAME}) AS", re.MULTILINE)
_DROP = re.compile(rf"^DROP (VIEW|TABLE) IF EXISTS ({_NAME})$")
_BACKFILL = re.compile(rf"^INSERT INTO ({_NAME})\s+SELECT\b")
_ORDER_BY = re.compile(rf"^ORDER BY\s*\(?\s*({_NAME})", re.MULTILINE)


class UnsupportedStatement(ValueError):
    pass


def cluster_ddl(cluster: str, migrations: list[Migration] | None = None) -> str:
    """The whole schema for `cluster`, as one script of `;`-terminated statements."""
    if not re.fullmatch(_NAME, cluster):
        raise ValueError(f"cluster name {cluster!r} must be an identifier")
    statements = [_table(CREATE_LEDGER.strip(), cluster, distributed=False, name="schema_migrations")]
    for migration in migrations if migrations is not None else available():
        converted = [c for c in (convert(statement, cluster) for statement in migration.statements()) if c]
        converted[0] = f"-- {migration.version:04d}_{migration.name}\n{converted[0]}"
        statements.extend(converted)
    header = f"-- livefest schema for ClickHouse cluster {cluster!r}, generated from schemas/migrations\n"
    return header + "".join(f"{statement};\n\n" for statement in statements)


def convert(statement: str, cluster: str) -> str | None:
    """One migration statement -> its cluster variant (possibly several statements), or
    None for a backfill, which a fresh cluster does not need."""
    body = _strip_comments(statement)
    if _BACKFILL.search(body):
        return None
    if match := _DROP.search(body):
        kind, name = match[1], match[2]
        local = [f"DROP TABLE IF EXISTS {name}_local ON CLUSTER {cluster}"] if kind == "TABLE" else []
        return ";\n\n".join([f"DROP {kind} IF EXISTS {name} ON CLUSTER {cluster}", *local])
    if match := _CREATE_TABLE.search(body):
        return _table(body, cluster, distributed=True, name=match[1])
    if match := _CREATE_MV.search(body):
        header = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {match[1]} ON CLUSTER {cluster} TO {match[2]}_local AS"
        return _localise_sources(body.replace(match[0], header, 1))
    if match := _CREATE_VIEW.search(body):
        return body.replace(match[0], f"CREATE {match[1]} {match[2]} ON CLUSTER {cluster} AS", 1)
    raise UnsupportedStatement(f"no cluster variant for statement: {body[:80]}…")


def _table(body: str, cluster: str, *, distributed: bool, name: str) -> str:
    engine = _ENGINE.search(body)
    if engine is None:
        raise UnsupportedStatement(f"table {name} has no MergeTree engine")
    local = f"{name}_local" if distributed else name
    args = ", ".join(
        filter(None, [f"'/clickhouse/tables/{{shard}}/{{database}}/{local}'", "'{replica}'", engine[2]])
    )
    replicated = body.replace(engine[0], f"ENGINE = Replicated{engine[1]}({args})", 1)
    replicated = re.sub(
        rf"^CREATE TABLE IF NOT EXISTS {name}\b",
        f"CREATE TABLE IF NOT EXISTS {local} ON CLUSTER {cluster}",
        replicated,
        count=1,
        flags=re.MULTILINE,
    )
    if not distributed:
        return replicated
    key = _shard_key(body)
    if key is None:
        raise UnsupportedStatement(f"table {name} has no ORDER BY to shard by")
    return (
        f"{replicated};\n\n"
        f"CREATE TABLE IF NOT EXISTS {name} ON CLUSTER {cluster} AS {local}\n"
        f"ENGINE = Distributed({cluster}, currentDatabase(), {local}, cityHash64({key}))"
    )


def _shard_key(body: str) -> str | None:
    # Every table derived from the snapshots keeps each session on the shard of its raw rows.
    if re.search(r"^\s+session_id\s+String\b", body, re.MULTILINE):
        return "session_id"
    key = _ORDER_BY.search(body)
    return key[1] if key else None


def _localise_sources(body: str) -> str:
    # A view's source tables in a materialized view are the shard-local tables.
    return re.sub(rf"\b(FROM|JOIN)\s+({_NAME})\b", lambda m: f"{m[1]} {m[2]}_local", body)


def _strip_comments(statement: str) -> str:
    lines = [line for line in statement.splitlines() if not line.strip().startswith("--")]
    return "\n".join(lines).strip()
