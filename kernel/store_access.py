"""Opening the resolved store (kernel/store_target.py) for writing or for reading.

Writers (`livefest up`, `migrate`, `rebuild`, reconcile's import) create the database
when it is missing and then migrate explicitly. Readers (`report`, reconcile's reading
side, `status`) never create anything: a store without the livefest schema or without
data is an error that names the store and what to run, because a results report of
zeros from an empty store looks exactly like a real one.
"""

from pathlib import Path

from kernel.clickhouse import SchemaMissing, Store, quote
from kernel.cluster import ClusterError, nodes
from kernel.layout import LayoutMismatch, check
from kernel.migrate import available
from kernel.store_target import StoreTarget

SCHEMA_VERSION_SQL = "SELECT max(version) FROM schema_migrations"
HAS_SNAPSHOTS_SQL = "SELECT count() > 0 FROM (SELECT 1 FROM snapshots LIMIT 1)"


class NoData(RuntimeError):
    """The store holds no livefest data (or cannot be read); the message says what to do."""


def connect(target: StoreTarget, **timeouts: float) -> Store:
    """The server (or engine) of `target`, working in its database; creates nothing."""
    return server(target, **timeouts).in_database(target.database)


def open_for_writing(target: StoreTarget, **timeouts: float) -> Store:
    """The store with its database created when missing (the caller migrates)."""
    if target.embedded and target.data_path is not None:
        target.data_path.mkdir(parents=True, exist_ok=True)
    store = server(target, **timeouts)
    store.command(f"CREATE DATABASE IF NOT EXISTS {quote(target.database)}")
    return store.in_database(target.database)


def open_for_reading(target: StoreTarget, *, need_snapshots: bool = True, **timeouts: float) -> Store:
    """The store, if it holds the current livefest schema (and snapshots); NoData otherwise."""
    if target.embedded and target.data_path is not None and not _has_clickhouse_data(target.data_path):
        raise NoData(
            f"no ClickHouse data at {target.data_path} ({target.source}). Is LIVEFEST_DATA_DIR the "
            "pipeline's data directory? Run the command where `livefest up` runs, set LIVEFEST_DATA_DIR, "
            "or set LIVEFEST_CLICKHOUSE to the ClickHouse server"
        )
    found = server(target, **timeouts)
    if not found.rows("SELECT count() FROM system.databases WHERE name = {d:String}", {"d": target.database})[0][0]:
        raise NoData(f"{target.describe()}: the database does not exist. Run `livefest up` or `livefest migrate` "
                     "first, or point LIVEFEST_CLICKHOUSE / LIVEFEST_DATA_DIR at the pipeline's store")  # fmt: skip
    store = found.in_database(target.database)
    check_schema(store, target)
    if need_snapshots and not store.rows(HAS_SNAPSHOTS_SQL)[0][0]:
        raise NoData(
            f"{target.describe()} holds no snapshots yet: nothing to read. Is the aggregator running "
            "(`livefest up`), and is this the right database?"
        )
    return store


def server(target: StoreTarget, **timeouts: float) -> Store:
    """The server (or engine) of `target`, as its user, in no particular database."""
    return Store(target.server_dsn, cluster=target.cluster, user=target.user, password=target.password, **timeouts)


def check_schema(store: Store, target: StoreTarget) -> None:
    """NoData unless every migration this code ships is applied in the store's database (on
    every node of a cluster) in the layout LIVEFEST_CLICKHOUSE_CLUSTER says."""
    try:
        check(store)
    except LayoutMismatch as exc:
        raise NoData(str(exc)) from exc
    if not store.rows("EXISTS TABLE schema_migrations")[0][0]:
        raise NoData(f"{target.describe()} has no livefest schema: run `livefest migrate` (or `livefest up`)")
    have, want = _schema_version(store), available()[-1].version
    if have < want:
        raise NoData(f"{target.describe()} has schema version {have}, this code needs {want}: "
                     "run `livefest migrate`")  # fmt: skip


def schema_problem(store: Store) -> str | None:
    """None when the store's database holds every migration this code ships (on every node
    of a cluster); else what is wrong, in a few words (`livefest migrate` mends either)."""
    try:
        if not store.rows("EXISTS TABLE schema_migrations")[0][0]:
            return "missing"
        return "behind" if _schema_version(store) < available()[-1].version else None
    except SchemaMissing:
        return "missing"


def _schema_version(store: Store) -> int:
    """The newest migration applied; on a cluster, the oldest of every node's newest."""
    if store.cluster is None:
        return int(store.rows(SCHEMA_VERSION_SQL)[0][0])
    try:
        every = nodes(store)
    except ClusterError as exc:
        raise NoData(str(exc)) from exc
    return min(int(node.store.rows(SCHEMA_VERSION_SQL)[0][0]) for node in every)


def _has_clickhouse_data(path: Path) -> bool:
    return (path / "metadata").is_dir()
