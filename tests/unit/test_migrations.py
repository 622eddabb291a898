import re

from kernel.migrate import available


def test_migrations_are_numbered_uniquely_and_contiguously():
    versions = [m.version for m in available()]
    assert versions == list(range(1, len(versions) + 1))


def test_every_migration_explains_why_and_is_literal_sql():
    for m in available():
        assert m.sql.lstrip().startswith(f"-- {m.version:04d}"), f"{m.name}: start with a header comment"
        assert "why" in m.sql.lower(), f"{m.version:04d}_{m.name}: say why in the header"
        assert m.statements(), m.name
        assert not re.search(r"\bDROP\b", m.sql, re.IGNORECASE), "migrations are append-only"
