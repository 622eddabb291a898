"""Recompute every derived table from the raw tables (`livefest rebuild`), on every node,
without readers ever seeing a derived table empty or half-filled.

The derived tables are exactly the targets of the materialized views (read from
`system.tables`, so the rebuild cannot drift from the migrations). Each target T is built
again beside itself and swapped in:
  1. on every node: a shadow table `T__rebuild` with T's definition (a Replicated engine
     gets a Keeper path of its own) and a shadow view feeding it from the same raw table
     with the same SELECT, so that a row written from then on reaches T and the shadow;
  2. on every node: wait for the inserts that were running when its shadow view appeared
     (they do not feed it), so that the fill below sees their rows;
  3. on one replica of each shard: fill the shadow from that node's raw rows with the
     view's own SELECT (a replicated shard first fetches what its other replicas hold);
  4. on every node: `EXCHANGE TABLES T AND T__rebuild`, atomic: readers go from the old
     complete figures to the new ones at once. The views name their target, so T's view
     feeds the new table from then on, and the shadow view the old one;
  5. on every node: drop the shadow view and the old table.
Every derived column is an idempotent aggregate, so a row reaching the shadow through both
the fill and the shadow view counts once, and the aggregator may keep writing throughout.
A table in KEPT_THROUGH_REBUILD also gets its own current rows in step 3: it holds facts
about the log that the raw table's merges forget (see there), which only ever grow.
On a cluster the nodes swap one after another, each shard's figures complete before and
after its swap. An interrupted rebuild leaves a shadow behind, which the next one drops.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from kernel.clickhouse import Store
from kernel.cluster import nodes, one_per_shard
from kernel.layout import check

log = logging.getLogger(__name__)

SHADOW = "__rebuild"
# Derived tables whose content a rebuild keeps, adding what the raw rows give. session_claims
# (migration 0008) holds each (session, lane)'s first position in the log, which decides who
# owns a session; the raw table keeps only the last copy of a snapshot delivered twice, so
# recomputing claims from it alone could move a county's claim later and hand the session to
# another county. Claims are minima: keeping the old ones cannot make them wrong, and the
# owners stay those the live path decided. `livefest rebuild --from-topic` recomputes them
# from the whole log.
KEPT_THROUGH_REBUILD = ("session_claims",)
STEPS_PER_TARGET = 3
INSERTS_WAIT_S = 600.0

# Each view with the tables it reads (those that list it among their dependents).
MATERIALIZED_VIEWS = """
    SELECT v.name, any(v.as_select), any(v.create_table_query), groupArray(s.name)
    FROM system.tables AS v
    LEFT JOIN
    (
        SELECT name, arrayJoin(dependencies_table) AS dependent
        FROM system.tables WHERE database = currentDatabase()
    ) AS s ON s.dependent = v.name
    WHERE v.database = currentDatabase() AND v.engine = 'MaterializedView' AND NOT endsWith(v.name, {shadow:String})
    GROUP BY v.name
    ORDER BY v.name
"""
CREATE_QUERY = "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = {t:String}"
RUNNING_INSERTS = "SELECT query_id FROM system.processes WHERE query_kind = 'Insert'"
STILL_RUNNING = "SELECT count() FROM system.processes WHERE has({ids:Array(String)}, query_id)"

_TARGET = re.compile(r"\sTO\s+(?:`?[\w.]+`?\.)?`?(\w+)`?\s")
_HEAD = re.compile(r"^CREATE TABLE \S+")
_KEEPER_PATH = re.compile(r"(Replicated\w*MergeTree\(')([^']*)'")
_EARLIER_SHADOW_PATH = re.compile(r"/rebuild_\w+$")


class RebuildError(RuntimeError):
    """The rebuild could not go on; the message says what to do."""


@dataclass(frozen=True)
class DerivedTable:
    view: str  # the materialized view feeding it
    target: str
    sources: tuple[str, ...]  # the raw tables the view reads
    select: str  # the view's SELECT, with database-qualified sources


def derived_tables(store: Store) -> list[DerivedTable]:
    """Every materialized view of the database and the table it writes to (shadows left out)."""
    found = []
    for name, select, create, sources in store.rows(MATERIALIZED_VIEWS, {"shadow": SHADOW}):
        match = _TARGET.search(create)
        if match is None:
            raise ValueError(f"materialized view {name} has no TO table; rebuild cannot handle it")
        found.append(DerivedTable(view=name, target=match[1], sources=tuple(s for s in sources if s), select=select))
    return found


def steps(tables: list[DerivedTable]) -> int:
    """How many times `rebuild` calls its `tick` for these tables."""
    return STEPS_PER_TARGET * len({t.target for t in tables})


def rebuild(store: Store, tick: Callable[[], None] = lambda: None) -> list[DerivedTable]:
    """Rebuild every derived table on every node of the store (see the module docstring);
    returns what it rebuilt. `tick` is called `steps()` times (a progress bar)."""
    layout = check(store)
    every = nodes(store)
    tables = derived_tables(every[0].store)
    token = uuid.uuid4().hex[:12]  # one Keeper path for a target's shadow on every replica
    by_target = groupby(sorted(tables, key=lambda t: t.target), key=lambda t: t.target)
    for target, feeding in by_target:
        views = list(feeding)
        log.info("rebuilding %s beside itself on %d node(s)", target, len(every))
        for node in every:
            _prepare_shadow(node.store, target, views, token)
        tick()
        for node in one_per_shard(every):
            _fill_shadow(node.store, target, views, replicated=bool(layout and layout.replicated))
        tick()
        for node in every:
            node.store.command(f"EXCHANGE TABLES {target} AND {target}{SHADOW}")
            _drop_shadow(node.store, target, views)
        tick()
    return tables


def shadow_table_sql(create_query: str, shadow: str, token: str) -> str:
    """`create_query` (system.tables) of a table, for its shadow `shadow`: same columns, engine
    and keys; a Replicated engine's Keeper path gets the suffix `/rebuild_<token>` instead of
    an earlier rebuild's, so that the shadow's replicas share a path no live table uses."""
    sql = _HEAD.sub(f"CREATE TABLE {shadow}", create_query, count=1)
    return _KEEPER_PATH.sub(
        lambda m: f"{m[1]}{_EARLIER_SHADOW_PATH.sub('', m[2])}/rebuild_{token}'", sql, count=1
    )


def _prepare_shadow(store: Store, target: str, views: list[DerivedTable], token: str) -> None:
    _drop_shadow(store, target, views)
    (create,) = store.rows(CREATE_QUERY, {"t": target})[0]
    store.command(shadow_table_sql(create, f"{target}{SHADOW}", token))
    for view in views:
        store.command(f"CREATE MATERIALIZED VIEW {view.view}{SHADOW} TO {target}{SHADOW} AS {view.select}")
    _wait_for(store, [row[0] for row in store.rows(RUNNING_INSERTS)])


def _fill_shadow(store: Store, target: str, views: list[DerivedTable], replicated: bool) -> None:
    for view in views:
        for source in view.sources if replicated else ():
            store.command(f"SYSTEM SYNC REPLICA {source}")
        # Columns by name, not position, exactly as the view's own inserts map them. A
        # replicated table would drop a block it saw before as a duplicate: not here.
        columns = ", ".join(f"`{c}`" for c in _columns(store, view.select))
        log.info("filling %s%s from the SELECT of %s", target, SHADOW, view.view)
        settings = "insert_deduplicate = 0, max_partitions_per_insert_block = 0"
        store.command(f"INSERT INTO {target}{SHADOW} ({columns}) SETTINGS {settings} {view.select}")
    if target.removesuffix("_local") in KEPT_THROUGH_REBUILD:
        log.info("keeping what %s holds in %s%s", target, target, SHADOW)
        store.command(f"INSERT INTO {target}{SHADOW} SETTINGS insert_deduplicate = 0 SELECT * FROM {target}")


def _drop_shadow(store: Store, target: str, views: list[DerivedTable]) -> None:
    for view in views:
        store.command(f"DROP VIEW IF EXISTS {view.view}{SHADOW}")
    store.command(f"DROP TABLE IF EXISTS {target}{SHADOW} SYNC")


def _wait_for(store: Store, query_ids: list[str]) -> None:
    """Until none of these queries runs any more (RebuildError after INSERTS_WAIT_S)."""
    deadline = time.monotonic() + INSERTS_WAIT_S
    while query_ids and store.rows(STILL_RUNNING, {"ids": query_ids})[0][0]:
        if time.monotonic() > deadline:
            raise RebuildError(f"inserts {query_ids} still run after {INSERTS_WAIT_S:.0f} s: nothing was swapped; "
                               "run `livefest rebuild` again later")
        time.sleep(0.2)


def _columns(store: Store, select: str) -> list[str]:
    return [row[0] for row in store.rows(f"DESCRIBE ({select})")]

