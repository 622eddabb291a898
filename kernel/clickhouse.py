"""The one thin ClickHouse module: client, timeouts, error translation, narrow retries.

`chdb:///path` opens the embedded engine in this process (one engine per process);
`http(s)://…` talks to a server. Both go through clickhouse-connect, so every caller
uses one code path. Callers pass values as server-side parameters, never formatted in.
"""

import copy
import logging
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
    """ClickHouse refused the statement (not worth retrying: a bug or a schema mismatch)."""


_retry_transient = retry(
    retry=retry_if_exception_type(StoreUnavailable),
    wait=wait_exponential_jitter(multiplier=0.1, max=2.0),
    stop=stop_after_attempt(4),
    reraise=True,
)


class Store:
    """A ClickHouse connection shared by the threads of one process."""

    def __init__(self, dsn: str, *, query_timeout_s: float = 30.0) -> None:
        self.dsn = dsn
        self.embedded = dsn.startswith("chdb:")
        # The embedded engine is one per process and not documented as thread-safe;
        # a server connection pool is, but one lock keeps both paths the same.
        self._lock = threading.RLock()
        try:
            if self.embedded:
                self._client = clickhouse_connect.get_client(dsn=dsn)
            else:
                self._client = clickhouse_connect.get_client(
                    dsn=dsn,
                    connect_timeout=5,
                    send_receive_timeout=query_timeout_s,
                    autogenerate_session_id=False,
                )
        except OperationalError as exc:
            raise StoreUnavailable(
                f"ClickHouse at {redact(dsn)} is unreachable ({exc}); check LIVEFEST_CLICKHOUSE"
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
            raise StoreUnavailable(f"ClickHouse at {redact(self.dsn)}: {exc}") from exc
        except ClickHouseError as exc:
            raise StoreError(str(exc)) from exc

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

    def ping(self) -> bool:
        try:
            return self.rows("SELECT 1") == [(1,)]
        except (StoreUnavailable, StoreError):
            return False

    def close(self) -> None:
        with self._lock:
            self._client.close()


def redact(dsn: str) -> str:
    """The DSN without its password, for logs and error messages."""
    scheme, sep, rest = dsn.partition("://")
    if "@" not in rest:
        return dsn
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
