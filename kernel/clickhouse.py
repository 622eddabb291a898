"""The one thin ClickHouse module: clients, bounded concurrency, limits, error translation,
narrow retries.

`chdb:///path` opens the embedded engine in this process (one engine per process);
`http(s)://…` talks to a server. Both go through clickhouse-connect, so every caller
uses one code path (which DSN a process uses: kernel/store_target.py; opening it for
reading or for writing: kernel/store_access.py). Callers pass values as server-side
parameters, never formatted in.

Concurrency: a `Store` owns a small pool of clients and a call borrows one for its
duration, so calls from different threads run at once, at most `pool_size` of them (the
rest wait, up to the query timeout, then get `StoreUnavailable`). No lock spans the
process. This holds for the embedded engine too: chdb serves any number of connection
handles to its one engine, each client owns one, and queries on different handles run
concurrently (clickhouse-connect serialises calls per handle only).
"""

import copy
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver import httputil
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError
from pydantic import SecretStr
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

# The store's errors, defined beside the ClickHouse codes that select them; callers import
# them from here.
from kernel.store_errors import (
    LIMIT_CODES,
    SCHEMA_CODES,
    TRANSIENT_ERRORS,
    EngineInUse,
    SchemaMissing,
    StoreError,
    StoreLimitExceeded,
    StoreUnavailable,
    error_code,
)

log = logging.getLogger(__name__)


# Every query livefest sends to a cluster node (a Store with a cluster applies them to its
# connection, so no writer or reader can forget them):
CLUSTER_SETTINGS = {
    # The insert returns only once every shard has written its rows (the default queues them
    # on the receiving node and sends them later): the aggregator commits offsets after the
    # insert returns, so the rows must be on the shards by then. A shard that is down makes
    # the insert fail, and the aggregator retries it until the shard is back.
    "distributed_foreground_insert": 1,
    # With Replicated tables, a retried block that the shard already holds is dropped as a
    # duplicate, and by default so are its materialised views' inserts, even when the first
    # attempt failed between the raw table and a view: the views would miss those rows for
    # good. Deduplicating each view's block on its own pushes them. Without replication the
    # tables deduplicate nothing and this changes nothing. (The default since ClickHouse 25.x;
    # set for older servers.)
    "deduplicate_blocks_in_dependent_materialized_views": 1,
    # `x IN (SELECT … FROM distributed)` over a Distributed table is refused by default
    # (double-distributed subqueries): the subquery is then run once, by the node the query
    # came to, and its result sent to every shard (GLOBAL IN / GLOBAL JOIN), which is exact
    # whichever shards the subquery's rows live on.
    "distributed_product_mode": "global",
}




_retry_transient = retry(
    retry=retry_if_exception_type(StoreUnavailable),
    wait=wait_exponential_jitter(multiplier=0.1, max=2.0),
    stop=stop_after_attempt(4),
    reraise=True,
)


QUICK, HEAVY = 1, 2  # query priorities (ClickHouse: a smaller number runs first)


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on every statement of a read-only consumer (the API; Grafana's read-only user
    should get the same profile). The one place these numbers live as ClickHouse settings."""

    max_execution_s: float = 10.0
    max_memory_bytes: int = 1 << 30
    max_result_rows: int = 100_000
    heavy_threads: int = 1

    def settings(self) -> dict[str, Any]:
        return {
            # 2, not 1: reads only, while still letting these per-query settings through.
            "readonly": 2,
            "max_execution_time": self.max_execution_s,
            "timeout_overflow_mode": "throw",
            "max_memory_usage": self.max_memory_bytes,
            "max_result_rows": self.max_result_rows,
            "result_overflow_mode": "throw",
            # ClickHouse pauses a running query while one of a smaller number runs: long
            # questions (`heavy()`) give way to quick ones (a time series to the totals).
            "priority": QUICK,
        }

    def heavy(self) -> dict[str, Any]:
        """Added to a statement that may read much: it yields to quick ones and keeps to
        `heavy_threads` cores, so it cannot starve them of CPU either."""
        return {"priority": HEAVY, "max_threads": self.heavy_threads}


class _Pool:
    """Up to `size` clients, created on demand and reused; `borrow` blocks while all are
    lent out, at most `wait_s` seconds."""

    def __init__(self, factory: Callable[[], Client], size: int, wait_s: float) -> None:
        self._factory = factory
        self._idle: queue.LifoQueue[Client] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._all: list[Client] = []
        self._wait_s = wait_s

    @contextmanager
    def borrow(self) -> Iterator[Client]:
        if not self._slots.acquire(timeout=self._wait_s):
            raise StoreUnavailable(f"all ClickHouse connections stayed busy for {self._wait_s:g} s")
        try:
            client = self._take()
            yield client
            self._idle.put(client)
        finally:
            self._slots.release()

    def _take(self) -> Client:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            client = self._factory()
            self._all.append(client)
            return client

    def close(self) -> None:
        for client in self._all:
            client.close()


class Store:
    """ClickHouse for the threads of one process: a pool of clients, one borrowed per call.

    `cluster` names the cluster (LIVEFEST_CLICKHOUSE_CLUSTER) when the server is one node of
    it: the tables are then `Distributed` over it, every client carries CLUSTER_SETTINGS,
    and schema changes act on every node (kernel/cluster.py, kernel/layout.py)."""

    def __init__(
        self,
        dsn: str,
        *,
        cluster: str | None = None,
        user: str | None = None,
        password: SecretStr | None = None,
        query_timeout_s: float = 30.0,
        pool_size: int = 8,
        connect_timeout_s: float = 5.0,
    ) -> None:
        """`user`/`password` win over the DSN's own (a server only; the embedded engine has no users)."""
        self.dsn = dsn
        self.cluster = cluster
        self.embedded = dsn.startswith("chdb:")
        self._user = user
        self._password = password
        self._query_timeout_s = query_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._settings: dict[str, Any] = {}
        # Transport failures become StoreUnavailable with a one-line reason; the client's
        # own per-attempt warnings (with tracebacks) only flood the terminal during an outage.
        for noisy in ("urllib3.connectionpool", "clickhouse_connect.driver._backend.http_sync"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        self._http_pool = None if self.embedded else httputil.get_pool_manager(maxsize=pool_size + 1)
        self._pool = _Pool(lambda: self._connect(query_timeout_s), pool_size, query_timeout_s)
        self._pinger: Client | None = None
        self._ping_lock = threading.Lock()
        with self._pool.borrow() as client:
            self.database: str = client.database or "default"

    def _connect(self, timeout_s: float) -> Client:
        try:
            if self.embedded:
                return clickhouse_connect.get_client(dsn=self.dsn)
            return clickhouse_connect.get_client(
                dsn=self.dsn,
                username=self._user,
                password=self._password.get_secret_value() if self._password is not None else "",
                connect_timeout=min(self._connect_timeout_s, timeout_s),
                send_receive_timeout=timeout_s,
                autogenerate_session_id=False,
                pool_mgr=self._http_pool,
                settings=dict(CLUSTER_SETTINGS) if self.cluster else {},
            )
        except OperationalError as exc:
            raise StoreUnavailable(
                f"ClickHouse at {redact(self.dsn)} is unreachable ({reason(exc)}); check LIVEFEST_CLICKHOUSE, or "
                "start the local server (`livefest clickhouse start`, `livefest up`)"
            ) from exc
        except ClickHouseError as exc:
            if not self.embedded:
                raise StoreError(f"ClickHouse at {redact(self.dsn)} refused the connection: {exc}") from exc
            raise EngineInUse(
                f"cannot open the embedded ClickHouse engine at {self.dsn} ({reason(exc)}). One process at a time "
                "may open it: if `livefest up` or `livefest clickhouse start` runs on this data directory, "
                "leave LIVEFEST_CLICKHOUSE unset and commands go through that server"
            ) from exc

    def in_database(self, database: str) -> "Store":
        """The same pool, working in another database (tests isolate themselves so)."""
        view = copy.copy(self)
        view.database = database
        return view

    def elsewhere(self, dsn: str) -> "Store":
        """Another server (a node of the same cluster) with this store's cluster, user, password and timeouts."""
        return Store(dsn, cluster=self.cluster, user=self._user, password=self._password,
                     query_timeout_s=self._query_timeout_s, connect_timeout_s=self._connect_timeout_s)  # fmt: skip

    def reader(self, limits: ReadLimits, pool_size: int = 8) -> "Store":
        """A read-only view with its own pool (so readers never hold a writer's
        connection, nor wait for one) whose every query carries `limits`."""
        view = copy.copy(self)
        view._settings = limits.settings()
        wait_s = limits.max_execution_s + 1.0
        view._http_pool = None if self.embedded else httputil.get_pool_manager(maxsize=pool_size + 1)
        view._pool = _Pool(lambda: view._connect(wait_s), pool_size, wait_s)
        view._pinger = None
        view._ping_lock = threading.Lock()
        return view

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            with self._pool.borrow() as client:
                client.database = self.database
                return getattr(client, method)(*args, **kwargs)
        except OperationalError as exc:
            raise StoreUnavailable(f"ClickHouse at {redact(self.dsn)}: {reason(exc)}") from exc
        except ClickHouseError as exc:
            code = error_code(exc)
            if code in LIMIT_CODES and self._settings:
                # A reader's own limits, reached: retrying the same question would reach them again.
                raise StoreLimitExceeded(str(exc), code) from exc
            if code in TRANSIENT_ERRORS:
                raise StoreUnavailable(f"ClickHouse at {redact(self.dsn)}: {exc}") from exc
            if code in SCHEMA_CODES:
                raise SchemaMissing(str(exc), code) from exc
            raise StoreError(str(exc), code) from exc

    def _query(self, sql: str, parameters: dict[str, Any] | None, settings: dict[str, Any] | None = None) -> Any:
        merged = {**self._settings, **(settings or {})}
        return self._call("query", sql, parameters=parameters, settings=merged or None)

    @_retry_transient
    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        return self._call("command", sql, parameters=parameters)

    @_retry_transient
    def rows(
        self, sql: str, parameters: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """`settings` add to (or override) the view's own, for this query only."""
        return [tuple(row) for row in self._query(sql, parameters, settings).result_rows]

    def dicts(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._query(sql, parameters)
        names = result.column_names
        return [dict(zip(names, row, strict=True)) for row in result.result_rows]

    def read_rows(self, sql: str, parameters: dict[str, Any] | None = None) -> int:
        """Rows ClickHouse selected from its tables to answer `sql` (the server-wide
        `SelectedRows` event before and after, less what reading the event costs): what a
        query costs, independent of the machine's speed. A diagnostic for tests: exact
        only while nothing else reads."""
        start = self._selected_rows()
        overhead = self._selected_rows() - start
        before = self._selected_rows()
        self._query(sql, parameters)
        return self._selected_rows() - before - overhead

    def _selected_rows(self) -> int:
        # chdb's per-query summary reports result rows, not rows read; the event counter
        # means the same on both engines.
        rows = self._call("query", "SELECT value FROM system.events WHERE event = 'SelectedRows'").result_rows
        return int(rows[0][0]) if rows else 0

    def insert(
        self,
        table: str,
        rows: Sequence[Sequence[Any]],
        columns: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> None:
        """Insert once; the caller owns the retry policy (see the aggregator's writer)."""
        if rows:
            self._call("insert", table, rows, column_names=list(columns), settings=settings)

    def insert_columns(
        self,
        table: str,
        data: Sequence[Sequence[Any]],
        columns: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> None:
        """Insert once, one sequence per column (cheaper than rows: no transposing per value)."""
        if data and data[0]:
            self._call("insert", table, data, column_names=list(columns), settings=settings, column_oriented=True)

    def ping(self, timeout_s: float = 1.0) -> bool:
        """`SELECT 1` on a connection of its own, answered within `timeout_s`: true even
        while every pooled connection is busy with slow queries (or when the store's
        database does not exist: ClickHouse answered), false when ClickHouse does not
        answer in time."""
        if not self._ping_lock.acquire(timeout=timeout_s):
            return False  # an earlier ping is still waiting: ClickHouse is not answering
        try:
            if self._pinger is None:
                self._pinger = self._connect(timeout_s)
            self._pinger.database = self.database
            result = self._pinger.query("SELECT 1", settings={"max_execution_time": timeout_s})
            return bool(result.result_rows == [(1,)])
        except ClickHouseError as exc:
            if error_code(exc) in SCHEMA_CODES:
                return True  # it answered; that the database is missing is the schema's check
            log.warning("ClickHouse ping failed: %s", exc)
            return False
        except StoreUnavailable as exc:
            log.warning("ClickHouse ping failed: %s", exc)
            return False
        finally:
            self._ping_lock.release()

    def close(self) -> None:
        self._pool.close()
        if self._pinger is not None:
            self._pinger.close()


def quote(identifier: str) -> str:
    """An identifier (a database name) for SQL text, where parameters cannot go."""
    return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`"


def reason(exc: BaseException) -> str:
    """The innermost cause of a transport error, in one short line (not the whole request URL)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).split(" (Caused by ")[0]
    return f"{type(exc).__name__}: {text}"[:300]


def redact(dsn: str) -> str:
    """The DSN without its password, for logs and error messages."""
    scheme, sep, rest = dsn.partition("://")
    if "@" not in rest:
        return dsn
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
