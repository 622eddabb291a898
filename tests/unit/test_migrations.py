import re

from kernel.migrate import available


def test_migrations_are_numbered_uniquely_and_contiguously():
    versions = [m.version for m in available()]
    assert versions == list(range(1, len(versions) + 1))


def test_every_migration_explains_why_and_is_literal_sql():
    # Files are append-only (an applied migration is never edited); a later migration may
    # replace derived objects (views and the tables views fill), never raw data.
    derived: set[str] = set()
    for m in available():
        derived |= set(re.findall(r"CREATE (?:MATERIALIZED VIEW|OR REPLACE VIEW|VIEW)(?: IF NOT EXISTS)? (\w+)", m.sql))
        derived |= set(re.findall(r"CREATE MATERIALIZED VIEW(?: IF NOT EXISTS)? \w+ TO (\w+)", m.sql))
        assert m.sql.lstrip().startswith(f"-- {m.version:04d}"), f"{m.name}: start with a header comment"
        assert "why" in m.sql.lower(), f"{m.version:04d}_{m.name}: say why in the header"
        assert m.statements(), m.name
        for kind, name in re.findall(r"\bDROP\s+(\w+)\s+(?:IF EXISTS\s+)?(\w+)", m.sql, re.IGNORECASE):
            assert name not in RAW_TABLES, f"{m.version:04d}_{m.name} drops raw data ({name}): never"
            assert name in derived, f"{m.version:04d}_{m.name} drops {kind} {name}, which no earlier migration derived"


# What the aggregator and `livefest reconcile` write: the source of every other figure.
RAW_TABLES = {"snapshots", "topic_stats", "settled_sessions", "schema_migrations"}
