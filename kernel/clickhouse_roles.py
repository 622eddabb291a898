"""The three ClickHouse users of livefest, and what each may do (least privilege).

- admin, `livefest_admin`: `migrate`, the migration step of `up`, `rebuild`. Everything
  (DDL, TRUNCATE, access management).
- writer, `livefest_writer`: the aggregator workers, `reconcile`'s import. SELECT and
  INSERT only: no DROP, ALTER, TRUNCATE or CREATE.
- reader, `livefest_reader`: the API, `report`, `status`, Grafana, report jobs. SELECT under
  `readonly=2` (no writes, no DDL; settings may change only within READER_CONSTRAINTS,
  so its query limits can be tightened, never loosened).

Materialized views run with the rights of whoever inserts into their source table, so the
writer's INSERT covers every table of the database (the views' targets too). The grants
are on `*.*` because `livefest up` gives each simulated run a database of its own; the
reader's `readonly=2` forbids every write and DDL whatever is granted.

The users are defined in XML, one rendering for both places they live
(kernel/chserver/users.py): the local server's generated users.xml (password hashes) and
compose's deploy/clickhouse/users.d/livefest.xml (passwords from the environment).
"""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    WRITER = "writer"
    READER = "reader"

    @property
    def user(self) -> str:
        return f"livefest_{self.value}"

    @property
    def password_variable(self) -> str:
        """The LIVEFEST_ variable holding its password (local server and compose alike)."""
        return f"LIVEFEST_CLICKHOUSE_{self.value.upper()}_PASSWORD"


# Privileges of the writer and the reader (the admin has all, with access management).
GRANTS: dict[Role, tuple[str, ...]] = {
    Role.WRITER: ("GRANT SELECT, INSERT ON *.*",),
    Role.READER: ("GRANT SELECT ON *.*",),
}

# The reader's settings profile: no writes and no DDL, and limits so that one heavy
# dashboard query cannot starve the aggregator's writes. readonly=2, not 1: a reader may
# still *tighten* its limits per query, as the API does on every query (kernel/clickhouse.py,
# ReadLimits: 10 s, 1 GiB, 100,000 rows, its heavy lane's priority and threads) and as
# Grafana's data source does with its query timeout; under readonly=1 ClickHouse refuses
# every query that carries a setting. READER_CONSTRAINTS keep the limits from being
# loosened: each bounded between a positive minimum (0 would mean "no limit") and the
# profile's value, the overflow modes and the concurrency fixed. `readonly` itself cannot
# be changed by a readonly=2 user (ClickHouse's own rule).
READER_MAX_EXECUTION_S = 120
READER_MAX_MEMORY_BYTES = 4_000_000_000
READER_MAX_RESULT_ROWS = 1_000_000
READER_PROFILE: dict[str, int | str] = {
    "readonly": 2,
    "max_execution_time": READER_MAX_EXECUTION_S,
    "timeout_overflow_mode": "throw",
    "max_memory_usage": READER_MAX_MEMORY_BYTES,
    "max_result_rows": READER_MAX_RESULT_ROWS,
    "result_overflow_mode": "throw",
    "max_concurrent_queries_for_user": 64,
}

# setting -> {"min": ..., "max": ...} bounds, or "const" (only the profile's value).
READER_CONSTRAINTS: dict[str, dict[str, int | float] | str] = {
    "max_execution_time": {"min": 0.001, "max": READER_MAX_EXECUTION_S},
    "max_memory_usage": {"min": 1, "max": READER_MAX_MEMORY_BYTES},
    "max_result_rows": {"min": 1, "max": READER_MAX_RESULT_ROWS},
    "timeout_overflow_mode": "const",
    "result_overflow_mode": "const",
    "max_concurrent_queries_for_user": "const",
}
