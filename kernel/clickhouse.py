"""The one thin ClickHouse module: client, timeouts, error translation, narrow retries.

`chdb:///path` opens the embedded engine in this process (one engine per process);
`http(s)://…` talks to a server. Both go through clickhouse-connect, so every caller
uses one code path (which DSN a process uses: kernel/store_target.py; opening it for
reading or for writing: kernel/store_access.py). Callers pass values as server-side parameters, never formatted in.
"""

import copy
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """ClickHouse could not be reached or did not answer in time (worth retrying)."""


class StoreError(RuntimeError):
    """ClickHouse refused the statement (not worth retrying as is: a bug, a schema mismatch,
    or data it cannot hold). `code` is ClickHouse's error code when it gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    @property
    def about_the_data(self) -> bool:
        """True when the refusal is about the values inserted, not the store or the statement."""
        return self.code in DATA_ERRORS


# Errors about the server's state, not the statement: the same statement may succeed later.
TRANSIENT_ERRORS = frozenset({
    3,     # UNEXPECTED_END_OF_FILE (a connection cut mid-answer)
    32,    # ATTEMPT_TO_READ_AFTER_EOF
    159,   # TIMEOUT_EXCEEDED
    160,   # TOO_SLOW
    173,   # CANNOT_ALLOCATE_MEMORY
    202,   # TOO_MANY_SIMULTANEOUS_QUERIES
    203,   # NO_FREE_CONNECTION
    209,   # SOCKET_TIMEOUT
    210,   # NETWORK_ERROR
    225,   # NO_ZOOKEEPER
    236,   # ABORTED
    241,   # MEMORY_LIMIT_EXCEEDED
    242,   # TABLE_IS_READ_ONLY
    243,   # NOT_ENOUGH_SPACE
    252,   # TOO_MANY_PARTS (merges behind)
    279,   # ALL_CONNECTION_TRIES_FAILED
    285,   # TOO_FEW_LIVE_REPLICAS
    319,   # UNKNOWN_STATUS_OF_INSERT
    394,   # QUERY_WAS_CANCELLED
    425,   # SYSTEM_ERROR
    999,   # KEEPER_EXCEPTION
    1000,  # POCO_EXCEPTION
})
# Errors about the values of an insert, not the store or the statement.
DATA_ERRORS = frozenset({
    6, 26, 27, 38, 41, 72,  # CANNOT_PARSE_TEXT, _QUOTED_STRING, _ESCAPE_SEQUENCE, _DATE, _DATETIME, _NUMBER
    43,    # ILLEGAL_TYPE_OF_ARGUMENT
    53,    # TYPE_MISMATCH
    69,    # ARGUMENT_OUT_OF_BOUND
    70,    # CANNOT_CONVERT_TYPE
    117,   # INCORRECT_DATA
    131,   # TOO_LARGE_STRING_SIZE
    190,   # SIZES_OF_ARRAYS_DONT_MATCH
    321,   # VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
    349,   # CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
    407,   # DECIMAL_OVERFLOW
    469,   # VIOLATED_CONSTRAINT
})
_CODE = re.compile(r"Code: (\d+)")

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


class Store:
    """A ClickHouse connection shared by the threads of one process.

    `cluster` names the cluster (LIVEFEST_CLICKHOUSE_CLUSTER) when the server is one node of
    it: the tables are then `Distributed` over it, and writers and schema changes must act
    on every node (kernel/cluster.py, kernel/layout.py), not on this one alone."""

    def __init__(self, dsn: str, *, cluster: str | None = None, query_timeout_s: float = 30.0,
                 connect_timeout_s: float = 5.0) -> None:
        self.dsn = dsn
        self.cluster = cluster
        self.embedded = dsn.startswith("chdb:")
        # The embedded engine is one per process and not documented as thread-safe;
        # a server connection pool is, but one lock keeps both paths the same.
        self._lock = threading.RLock()
        # Transport failures become StoreUnavailable with a one-line reason; the client's
        # own per-attempt warnings (with tracebacks) only flood the terminal during an outage.
        for noisy in ("urllib3.connectionpool", "clickhouse_connect.driver._backend.http_sync"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        try:
            if self.embedded:
                self._client = clickhouse_connect.get_client(dsn=dsn)
            else:
                self._client = clickhouse_connect.get_client(
                    dsn=dsn,
                    connect_timeout=connect_timeout_s,
                    send_receive_timeout=query_timeout_s,
                    autogenerate_session_id=False,
                    settings=dict(CLUSTER_SETTINGS) if cluster else {},
                )
        except OperationalError as exc:
            raise StoreUnavailable(
                f"ClickHouse at {redact(dsn)} is unreachable ({reason(exc)}); check LIVEFEST_CLICKHOUSE, or start "
                "the local server (`livefest clickhouse start`, `livefest up`)"
            ) from exc
        except ClickHouseError as exc:
            if not self.embedded:
                raise StoreError(f"ClickHouse at {redact(dsn)} refused the connection: {exc}") from exc
            raise StoreUnavailable(
                f"cannot open the embedded ClickHouse engine at {dsn} ({exc}). One process at a time "
                "may open it: if `livefest up` or `livefest clickhouse start` runs on this data directory, "
                "leave LIVEFEST_CLICKHOUSE unset and commands go through that server"
            ) from exc
        self.database: str = self._client.database or "default"

    def in_database(self, database: str) -> "Store":
        """The same connection, working in another database (tests isolate themselves so)."""
        view = copy.copy(self)
        view.database = database
        return view

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with self._lock:
                self._client.database = self.database
                return fn(*args, **kwargs)
        except OperationalError as exc:
            raise StoreUnavailable(f"ClickHouse at {redact(self.dsn)}: {reason(exc)}") from exc
        except ClickHouseError as exc:
            match = _CODE.search(str(exc))
            code = int(match[1]) if match else None
            if code in TRANSIENT_ERRORS:
                raise StoreUnavailable(f"ClickHouse at {redact(self.dsn)}: {exc}") from exc
            raise StoreError(str(exc), code) from exc

    @_retry_transient
    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        return self._call(self._client.command, sql, parameters=parameters)

    @_retry_transient
    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        result = self._call(self._client.query, sql, parameters=parameters)
        return [tuple(row) for row in result.result_rows]

    def dicts(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._call(self._client.query, sql, parameters=parameters)
        names = result.column_names
        return [dict(zip(names, row, strict=True)) for row in result.result_rows]

    def insert(
        self,
        table: str,
        rows: Sequence[Sequence[Any]],
        columns: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> None:
        """Insert once; the caller owns the retry policy (see the aggregator's writer)."""
        if rows:
            self._call(self._client.insert, table, rows, column_names=list(columns), settings=settings)

    def insert_columns(
        self,
        table: str,
        data: Sequence[Sequence[Any]],
        columns: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> None:
        """Insert once, one sequence per column (cheaper than rows: no transposing per value)."""
        if data and data[0]:
            self._call(self._client.insert, table, data, column_names=list(columns), settings=settings,
                       column_oriented=True)

    def ping(self) -> bool:
        try:
            return self.rows("SELECT 1") == [(1,)]
        except (StoreUnavailable, StoreError):
            return False

    def close(self) -> None:
        with self._lock:
            self._client.close()


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
