"""Reads the settled figures stored by imports (migration 0006) and the live figures they
are compared with, from ClickHouse (the SQL is in queries.py)."""

from kernel.clickhouse import Store
from services.reconcile import queries
from services.reconcile.model import Live, Settled


def settled(store: Store) -> dict[str, Settled]:
    return {row["session_id"]: Settled(**row) for row in store.dicts(queries.SETTLED)}


def live_totals(store: Store, platforms: list[str] | None = None) -> dict[str, Live]:
    rows = store.dicts(queries.LIVE_TOTALS, {"platforms": platforms or []})
    return {row["session_id"]: Live(**row) for row in rows}
