"""The errors of the one ClickHouse module (kernel/clickhouse.py), with the ClickHouse error
codes that decide which a refusal becomes: worth retrying (StoreUnavailable), the schema
missing (SchemaMissing), a limit reached (StoreLimitExceeded), or a refusal of the statement
or its data (StoreError). Import them from kernel.clickhouse, which re-exports them."""

import re

from clickhouse_connect.driver.exceptions import ClickHouseError

_CODE = re.compile(r"Code: (\d+)")


class StoreUnavailable(RuntimeError):
    """ClickHouse could not be reached, did not answer in time, or every connection of the
    pool stayed busy (worth retrying)."""


class EngineInUse(StoreUnavailable):
    """The embedded engine's data directory is held by another process (the message says which and what to do)."""


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


class SchemaMissing(StoreError):
    """The statement names a database or table the store lacks: livefest's schema is not
    (or not entirely) migrated into it; `livefest migrate` makes it. Not retried."""


# UNKNOWN_TABLE, UNKNOWN_DATABASE
SCHEMA_CODES = frozenset({60, 81})


class StoreLimitExceeded(StoreError):
    """The statement ran into one of its limits (time, memory, result size): the server is
    fine, the question was too expensive for now. Not retried."""


# ClickHouse error codes of a limit reached: TOO_MANY_ROWS, TIMEOUT_EXCEEDED,
# TOO_MANY_ROWS_OR_BYTES, MEMORY_LIMIT_EXCEEDED.
LIMIT_CODES = frozenset({158, 159, 396, 241})


def error_code(exc: ClickHouseError) -> int | None:
    """ClickHouse's error code in `exc`'s message, None when it gives none."""
    match = _CODE.search(str(exc))
    return int(match[1]) if match else None
