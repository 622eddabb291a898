"""The replicated, sharded variant of the migrations, generated from the same files.

`livefest migrate --print-cluster-ddl CLUSTER` prints it. For every table `t` of a
migration it emits
  - `t_local ON CLUSTER`, engine `Replicated<Engine>('/clickhouse/tables/{shard}/{database}/t_local', '{replica}', …)`
    (the `{shard}`/`{replica}` macros come from each server's config), and
  - `t ON CLUSTER AS t_local ENGINE = Distributed(CLUSTER, currentDatabase(), t_local, cityHash64(<first sort key>))`,
so the application keeps reading and writing `t`. A table is sharded by the first column
of its sorting key — `session_id` for the snapshot tables, `platform` for the hashtag
readings — so a raw table and the state its views derive from it agree on the shard of
every key: each session's rows, state and minutes stay on one shard, the per-key
aggregates stay exact, and cross-shard reads only add sums.
Materialized views run on each shard, reading the local raw table and writing the local
target (an insert into the Distributed `snapshots` lands in `snapshots_local` on one
shard and triggers that shard's views). Plain views are created on every node and read
the Distributed tables.
"""

import re

from kernel.migrate import CREATE_LEDGER, Migration, available

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CREATE_TABLE = re.compile(rf"^CREATE TABLE IF NOT EXISTS ({_NAME})\s*\n", re.MULTILINE)
_ENGINE = re.compile(r"ENGINE\s*=\s*(\w*MergeTree)(?:\(([^)]*)\))?")
_CREATE_MV = re.compile(rf"^CREATE MATERIALIZED VIEW IF NOT EXISTS ({_NAME}) TO ({_NAME}) AS", re.MULTILINE)
_CREATE_VIEW = re.compile(rf"^CREATE VIEW IF NOT EXISTS ({_NAME}) AS", re.MULTILINE)
_ORDER_BY = re.compile(rf"^ORDER BY\s*\(?\s*({_NAME})", re.MULTILINE)


class UnsupportedStatement(ValueError):
    pass


def cluster_ddl(cluster: str, migrations: list[Migration] | None = None) -> str:
    """The whole schema for `cluster`, as one script of `;`-terminated statements."""
    if not re.fullmatch(_NAME, cluster):
        raise ValueError(f"cluster name {cluster!r} must be an identifier")
    statements = [_table(CREATE_LEDGER.strip(), cluster, distributed=False, name="schema_migrations")]
    for migration in migrations if migrations is not None else available():
        converted = [convert(statement, cluster) for statement in migration.statements()]
        converted[0] = f"-- {migration.version:04d}_{migration.name}\n{converted[0]}"
        statements.extend(converted)
    header = f"-- livefest schema for ClickHouse cluster {cluster!r}, generated from schemas/migrations\n"
    return header + "".join(f"{statement};\n\n" for statement in statements)


def convert(statement: str, cluster: str) -> str:
    """One migration statement -> its cluster variant (possibly several statements)."""
    body = _strip_comments(statement)
    if match := _CREATE_TABLE.search(body):
        return _table(body, cluster, distributed=True, name=match[1])
    if match := _CREATE_MV.search(body):
        header = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {match[1]} ON CLUSTER {cluster} TO {match[2]}_local AS"
        return _localise_sources(body.replace(match[0], header, 1))
    if match := _CREATE_VIEW.search(body):
        return body.replace(match[0], f"CREATE VIEW IF NOT EXISTS {match[1]} ON CLUSTER {cluster} AS", 1)
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
    key = _ORDER_BY.search(body)
    if key is None:
        raise UnsupportedStatement(f"table {name} has no ORDER BY to shard by")
    return (
        f"{replicated};\n\n"
        f"CREATE TABLE IF NOT EXISTS {name} ON CLUSTER {cluster} AS {local}\n"
        f"ENGINE = Distributed({cluster}, currentDatabase(), {local}, cityHash64({key[1]}))"
    )


def _localise_sources(body: str) -> str:
    # A view's source tables in a materialized view are the shard-local tables.
    return re.sub(rf"\b(FROM|JOIN)\s+({_NAME})\b", lambda m: f"{m[1]} {m[2]}_local", body)


def _strip_comments(statement: str) -> str:
    lines = [line for line in statement.splitlines() if not line.strip().startswith("--")]
    return "\n".join(lines).strip()
