"""Numbered, append-only ClickHouse migrations (schemas/migrations/NNNN_name.sql).

Each file is applied once, in number order, and recorded in `schema_migrations`.
Files are literal SQL; statements are separated by a `;` at the end of a line.
"""

import logging
import re
from dataclasses import dataclass
from importlib import resources

from kernel.clickhouse import Store
from kernel.layout import check

log = logging.getLogger(__name__)

_FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    applied_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY version
"""
RECORD_SQL = "INSERT INTO schema_migrations (version, name) VALUES ({v:UInt32}, {n:String})"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        parts = re.split(r";\s*$", self.sql, flags=re.MULTILINE)
        return [p.strip() for p in parts if _has_code(p)]


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def available() -> list[Migration]:
    """Every migration shipped with the code, in number order."""
    folder = resources.files("schemas") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILENAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
        elif entry.name.endswith(".sql"):
            raise ValueError(f"migration file {entry.name!r} is not named NNNN_name.sql")
    return sorted(found, key=lambda m: m.version)


def applied(store: Store) -> set[int]:
    store.command(CREATE_LEDGER)
    return recorded(store)


def recorded(store: Store) -> set[int]:
    """The versions the store's ledger records (the ledger must exist)."""
    return {int(row[0]) for row in store.rows("SELECT DISTINCT version FROM schema_migrations")}


def record(store: Store, migration: Migration) -> None:
    """Record `migration` as applied in the store's ledger."""
    store.command(RECORD_SQL, {"v": migration.version, "n": migration.name})


def migrate(store: Store) -> list[Migration]:
    """Apply every migration not yet applied; return those applied now. On a cluster
    (`store.cluster`), to every node (kernel/cluster_migrate.py); on one server, never to a
    database that holds a cluster's schema (LayoutMismatch: that would change one node only)."""
    if store.cluster is not None:
        # Imported here: the cluster driver builds on this module's migrations and ledger.
        from kernel.cluster_migrate import migrate_cluster

        return migrate_cluster(store)
    check(store)
    done = applied(store)
    newly = []
    for migration in available():
        if migration.version in done:
            continue
        log.info("applying migration %04d_%s", migration.version, migration.name)
        for statement in migration.statements():
            store.command(statement)
        record(store, migration)
        newly.append(migration)
    return newly
