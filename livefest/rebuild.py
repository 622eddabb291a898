"""Recompute every derived table from the raw stores (`livefest rebuild`).

The derived tables are exactly the targets of the materialized views. Rebuilding one
means: truncate it, then insert the result of its view's own SELECT (read back from
`system.tables`, so the rebuild can never drift from the migrations). Every derived
column is an idempotent aggregate, so snapshots the aggregator writes while a rebuild
runs are counted once whatever the interleaving; readers see partial figures until the
re-insert finishes.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from kernel.clickhouse import Store

log = logging.getLogger(__name__)

MATERIALIZED_VIEWS = """
    SELECT name, as_select, create_table_query
    FROM system.tables
    WHERE database = currentDatabase() AND engine = 'MaterializedView'
    ORDER BY name
"""

_TARGET = re.compile(r"\sTO\s+(?:`?[\w.]+`?\.)?`?(\w+)`?\s")


@dataclass(frozen=True)
class DerivedTable:
    view: str  # the materialized view feeding it
    target: str
    select: str  # the view's SELECT, with database-qualified sources


def derived_tables(store: Store) -> list[DerivedTable]:
    """Every materialized view of the database and the table it writes to."""
    found = []
    for name, select, create in store.rows(MATERIALIZED_VIEWS):
        match = _TARGET.search(create)
        if match is None:
            raise ValueError(f"materialized view {name} has no TO table; rebuild cannot handle it")
        found.append(DerivedTable(view=name, target=match[1], select=select))
    return found


def _columns(store: Store, select: str) -> list[str]:
    return [row[0] for row in store.rows(f"DESCRIBE ({select})")]


def steps(tables: list[DerivedTable]) -> int:
    """How many statements `rebuild` runs for these tables (one truncation per target)."""
    return len({t.target for t in tables}) + len(tables)


def rebuild(store: Store, tick: Callable[[], None] = lambda: None) -> list[DerivedTable]:
    """Truncate every derived table and refill it from the raw tables; returns what it did.
    `tick` is called after each of its `steps()` statements (a progress bar)."""
    tables = derived_tables(store)
    for target in sorted({t.target for t in tables}):
        log.info("truncating %s", target)
        store.command(f"TRUNCATE TABLE {target}")
        tick()
    for table in tables:
        # Columns by name, not position, exactly as the view's own inserts map them.
        columns = ", ".join(f"`{c}`" for c in _columns(store, table.select))
        log.info("refilling %s from the SELECT of %s", table.target, table.view)
        store.command(f"INSERT INTO {table.target} ({columns}) {table.select}")
        tick()
    return tables
