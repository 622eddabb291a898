"""The replicated/sharded DDL is generated from every migration (no hand-kept copy)."""

import re

import pytest

from kernel.migrate import available
from livefest.cluster_ddl import UnsupportedStatement, cluster_ddl, convert


def statements(script: str) -> list[str]:
    return [s.strip() for s in re.split(r";\s*$", script, flags=re.MULTILINE) if s.strip()]


def test_every_migration_statement_converts():
    for migration in available():
        for statement in migration.statements():
            converted = convert(statement, "festival")
            # Only a backfill is left out (a fresh cluster has nothing to backfill).
            assert converted or re.match(r"(--.*\n)*\s*INSERT INTO \w+\s+SELECT", statement), statement[:80]


def test_every_table_becomes_replicated_local_plus_distributed():
    script = cluster_ddl("festival")
    tables = [t for m in available() for t in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", m.sql)]
    assert tables, "the migrations create tables"
    for table in tables:
        assert re.search(rf"CREATE TABLE IF NOT EXISTS {table}_local ON CLUSTER festival\b", script), table
        assert f"'/clickhouse/tables/{{shard}}/{{database}}/{table}_local', '{{replica}}'" in script, table
        key = "platform" if table.startswith("topic_") else "session_id"
        assert (f"CREATE TABLE IF NOT EXISTS {table} ON CLUSTER festival AS {table}_local\n"
                f"ENGINE = Distributed(festival, currentDatabase(), {table}_local, cityHash64({key}))") in script
    assert not re.search(r"ENGINE = (?!Replicated|Distributed)", script), "a non-replicated engine is left"
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/snapshots_local', '{replica}', " \
           "kafka_offset)" in script


def test_materialized_views_read_and_write_shard_local_tables():
    script = cluster_ddl("festival")
    views = re.findall(r"CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) ON CLUSTER festival TO (\w+) AS(.*?);",
                       script, flags=re.S)
    assert len(views) == sum(m.sql.count("CREATE MATERIALIZED VIEW") for m in available()) >= 2
    sources = {"session_state_local": "snapshots_local", "session_minute_local": "snapshots_local",
               "session_newest_local": "snapshots_local", "session_closings_local": "snapshots_local",
               "topic_state_local": "topic_stats_local"}
    for _, target, body in views:
        assert re.findall(r"FROM (\w+)", body) == [sources[target]], target


def test_every_statement_is_on_the_cluster_and_every_migration_is_named():
    script = cluster_ddl("festival")
    for statement in statements(script):
        assert " ON CLUSTER festival" in statement, statement[:120]
    for migration in available():
        assert f"-- {migration.version:04d}_{migration.name}" in script


def test_unknown_statements_and_bad_cluster_names_are_refused():
    with pytest.raises(UnsupportedStatement):
        convert("ALTER TABLE snapshots ADD COLUMN x UInt8", "festival")
    with pytest.raises(ValueError):
        cluster_ddl("festival; DROP TABLE snapshots")


def test_the_migrate_command_prints_it():
    from click.testing import CliRunner

    from livefest.cli import main

    result = CliRunner().invoke(main, ["migrate", "--print-cluster-ddl", "festival"])
    assert result.exit_code == 0, result.output
    assert result.output == cluster_ddl("festival")


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

