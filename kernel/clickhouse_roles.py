"""The three ClickHouse users of livefest, and what each may do (least privilege).

- admin, `livefest_admin`: `migrate`, the migration step of `up`, `rebuild`. Everything
  (DDL, TRUNCATE, access management).
- writer, `livefest_writer`: the aggregator workers, `reconcile`'s import. SELECT and
  INSERT only: no DROP, ALTER, TRUNCATE or CREATE.
- reader, `livefest_reader`: the API, `report`, `status`, Grafana, report jobs. SELECT under
  `readonly=1` (no writes, no DDL, no settings changes) and query limits.

Materialized views run with the rights of whoever inserts into their source table, so the
writer's INSERT covers every table of the database (the views' targets too). The grants
are on `*.*` because `livefest up` gives each simulated run a database of its own; the
reader's `readonly=1` forbids every write and DDL whatever is granted.

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

# The reader's settings profile: no writes, no settings changes, and limits so that one
# heavy dashboard query cannot starve the aggregator's writes. The API's own timeout
# (LIVEFEST_API_CLICKHOUSE_TIMEOUT_SECONDS, 10 s) is tighter; reports get two minutes.
READER_PROFILE: dict[str, int | str] = {
    "readonly": 1,
    "max_execution_time": 120,
    "max_memory_usage": 4_000_000_000,
    "max_result_rows": 1_000_000,
    "result_overflow_mode": "throw",
    "max_concurrent_queries_for_user": 64,
}
