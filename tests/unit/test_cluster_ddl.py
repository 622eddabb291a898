"""The cluster DDL is generated from every migration (no hand-kept copy), in both layouts:
replicated with ON CLUSTER (a cluster with Keeper), and sharded without replication (run
on every node). Either way every migration is recorded and backfills are kept."""

import re

import pytest

from kernel.cluster_ddl import UnsupportedStatement, convert, ledger
from kernel.layout import Layout
from kernel.migrate import CREATE_LEDGER, available
from livefest.cluster_ddl import cluster_ddl

REPLICATED = Layout("festival", replicated=True)
SHARDED = Layout("festival", replicated=False)


def statements(script: str) -> list[str]:
    return [_code(s) for s in re.split(r";\s*$", script, flags=re.MULTILINE) if _code(s)]


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("--")).strip()


def tables() -> list[str]:
    found = [t for m in available() for t in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", m.sql)]
    assert found, "the migrations create tables"
    return found


@pytest.mark.parametrize("layout", [REPLICATED, SHARDED])
def test_every_migration_statement_converts_and_only_backfills_run_once(layout: Layout):
    for migration in available():
        for statement in migration.statements():
            converted = convert(statement, layout)
            assert converted, statement[:80]
            backfill = bool(re.match(r"INSERT INTO \w+\s+SELECT", _code(statement)))
            assert [c.once for c in converted] == [backfill] * len(converted), statement[:80]


def test_every_table_becomes_replicated_local_plus_distributed():
    script = cluster_ddl("festival")
    for table in tables():
        assert re.search(rf"CREATE TABLE IF NOT EXISTS {table}_local ON CLUSTER festival\b", script), table
        assert f"'/clickhouse/tables/{{shard}}/{{database}}/{table}_local', '{{replica}}'" in script, table
        key = "platform" if table.startswith("topic_") else "session_id"
        assert (f"CREATE TABLE IF NOT EXISTS {table} ON CLUSTER festival AS {table}_local\n"
                f"ENGINE = Distributed(festival, currentDatabase(), {table}_local, cityHash64({key}))") in script
    assert not re.search(r"ENGINE = (?!Replicated|Distributed)", script), "a non-replicated engine is left"
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/snapshots_local', '{replica}', " \
           "kafka_offset)" in script


def test_the_sharded_layout_keeps_each_engine_and_has_no_on_cluster():
    script = "\n".join(statements(cluster_ddl("festival", replicated=False)))
    assert "Replicated" not in script and "ON CLUSTER" not in script
    for table in tables():
        assert re.search(rf"CREATE TABLE IF NOT EXISTS {table}_local\n", script), table
        assert f"ENGINE = Distributed(festival, currentDatabase(), {table}_local, " in script, table
    assert "ENGINE = ReplacingMergeTree(kafka_offset)" in script


@pytest.mark.parametrize("replicated", [True, False])
def test_materialized_views_read_and_write_shard_local_tables(replicated: bool):
    script = cluster_ddl("festival", replicated=replicated)
    on = " ON CLUSTER festival" if replicated else ""
    views = re.findall(rf"CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+){on} TO (\w+) AS(.*?);", script, flags=re.S)
    assert len(views) == sum(m.sql.count("CREATE MATERIALIZED VIEW") for m in available()) >= 2
    sources = {"session_state_local": "snapshots_local", "session_minute_local": "snapshots_local",
               "session_newest_local": "snapshots_local", "session_closings_local": "snapshots_local",
               "session_claims_local": "snapshots_local", "lane_newest_local": "snapshots_local",
               "lane_closings_local": "snapshots_local", "topic_state_local": "topic_stats_local"}
    for _, target, body in views:
        assert re.findall(r"FROM (\w+)", body) == [sources[target]], target


def test_every_ddl_statement_is_on_the_cluster_and_every_migration_named_and_recorded():
    script = cluster_ddl("festival")
    for statement in statements(script):
        if not statement.startswith("INSERT INTO"):
            assert " ON CLUSTER festival" in statement, statement[:120]
    for migration in available():
        assert f"-- {migration.version:04d}_{migration.name}" in script
        record = f"INSERT INTO schema_migrations (version, name) VALUES ({migration.version}, '{migration.name}')"
        assert script.count(record) == 1, migration.name


def test_backfills_go_through_the_distributed_tables_once():
    """A later migration's backfill (0007) is kept: through the Distributed tables it reads
    every shard and sends each session's state to that session's shard."""
    for replicated in (True, False):
        script = cluster_ddl("festival", replicated=replicated)
        assert "INSERT INTO session_newest\nSELECT" in script
        assert "INSERT INTO session_closings\nSELECT" in script
    assert "-- once\nINSERT INTO session_newest\nSELECT" in cluster_ddl("festival", replicated=False)


def test_the_ledger_is_replicated_across_the_whole_cluster_or_local_to_each_node():
    replicated = ledger(CREATE_LEDGER, REPLICATED, on_cluster=True)
    assert "schema_migrations ON CLUSTER festival\n" in replicated
    # One Keeper path for every shard: one INSERT records a migration on every node.
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/schema_migrations', '{shard}-{replica}')" \
           in replicated
    assert ledger(CREATE_LEDGER, SHARDED) == CREATE_LEDGER.strip()


def test_an_alter_changes_every_local_table_and_adds_columns_to_the_distributed_one():
    """0008: new columns reach the Distributed table too (its columns were copied from the
    local table when it was created), after the local tables; the sorting key is local only."""
    statement = ("ALTER TABLE snapshots\n    ADD COLUMN IF NOT EXISTS a DateTime64(3, 'UTC') DEFAULT b,\n"
                 "    ADD COLUMN IF NOT EXISTS c LowCardinality(String) DEFAULT 'x,y',\n"
                 "    MODIFY ORDER BY (session_id, observed_at, c)")
    local, distributed = convert(statement, REPLICATED, on_cluster=True)
    assert not local.once and not distributed.once
    assert _words(local.sql) == _words(
        "ALTER TABLE snapshots_local ON CLUSTER festival ADD COLUMN IF NOT EXISTS a DateTime64(3, 'UTC') DEFAULT b, "
        "ADD COLUMN IF NOT EXISTS c LowCardinality(String) DEFAULT 'x,y', MODIFY ORDER BY (session_id, observed_at, c)")
    assert _words(distributed.sql) == _words(
        "ALTER TABLE snapshots ON CLUSTER festival ADD COLUMN IF NOT EXISTS a DateTime64(3, 'UTC') DEFAULT b, "
        "ADD COLUMN IF NOT EXISTS c LowCardinality(String) DEFAULT 'x,y'")
    (only_local,) = convert("ALTER TABLE snapshots MODIFY ORDER BY (session_id, observed_at)", SHARDED)
    assert only_local.sql.startswith("ALTER TABLE snapshots_local\n")


def test_unknown_statements_and_bad_cluster_names_are_refused():
    with pytest.raises(UnsupportedStatement):
        convert("ALTER TABLE snapshots DROP COLUMN x", REPLICATED)
    with pytest.raises(UnsupportedStatement):
        convert("RENAME TABLE snapshots TO old_snapshots", REPLICATED)
    with pytest.raises(ValueError):
        cluster_ddl("festival; DROP TABLE snapshots")


def test_the_migrate_command_prints_it():
    from click.testing import CliRunner

    from livefest.cli import main

    result = CliRunner().invoke(main, ["migrate", "--print-cluster-ddl", "festival"])
    assert result.exit_code == 0, result.output
    assert result.output == cluster_ddl("festival")
    result = CliRunner().invoke(main, ["migrate", "--print-cluster-ddl", "festival", "--no-replication"])
    assert result.exit_code == 0, result.output
    assert result.output == cluster_ddl("festival", replicated=False)


def _words(sql: str) -> str:
    return " ".join(sql.split())


# Written by hand from migration 0005 (topic_stats, topic_state_mv) and the cluster layout the
# operations guide describes: a Replicated* table per shard, a Distributed table over it by key.
HAND_WRITTEN_TOPIC_STATS = """
CREATE TABLE IF NOT EXISTS topic_stats_local ON CLUSTER festival
(
    platform        LowCardinality(String),
    topic           String,
    special         LowCardinality(String),
    observed_at     DateTime64(6, 'UTC'),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    reads           UInt64,
    received_at     DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/topic_stats_local', '{replica}',
                                      kafka_offset)
PARTITION BY toYYYYMM(observed_at)
ORDER BY (platform, topic, special, observed_at);

CREATE TABLE IF NOT EXISTS topic_stats ON CLUSTER festival AS topic_stats_local
ENGINE = Distributed(festival, currentDatabase(), topic_stats_local, cityHash64(platform));
"""

HAND_WRITTEN_TOPIC_STATE_MV = """
CREATE MATERIALIZED VIEW IF NOT EXISTS topic_state_mv ON CLUSTER festival TO topic_state_local AS
SELECT
    toString(t.platform) AS platform,
    t.topic AS topic,
    toString(t.special) AS special,
    argMaxState(t.reads, (t.observed_at, t.kafka_offset)) AS reads,
    max(t.observed_at) AS observed_at
FROM topic_stats_local AS t
GROUP BY platform, topic, special;
"""


def test_one_table_and_one_view_are_exactly_the_hand_written_ddl():
    script = _words(cluster_ddl("festival"))
    assert _words(HAND_WRITTEN_TOPIC_STATS) in script
    assert _words(HAND_WRITTEN_TOPIC_STATE_MV) in script
