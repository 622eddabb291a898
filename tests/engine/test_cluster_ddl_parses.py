"""ClickHouse's own parser accepts every generated cluster statement, in both layouts
(formatQuery parses without executing, so no Keeper or cluster is needed; the sharded
layout is executed for real by tests/cluster/)."""

import re

import pytest

from kernel.clickhouse import Store
from livefest.cluster_ddl import cluster_ddl

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("replicated", [True, False])
def test_clickhouse_parses_the_cluster_ddl(store: Store, replicated: bool):
    script = cluster_ddl("festival", replicated=replicated)
    parsed = 0
    for statement in (s.strip() for s in re.split(r";\s*$", script, flags=re.MULTILINE)):
        code = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
        if code:
            (formatted,) = store.rows("SELECT formatQuery({sql:String})", {"sql": code})[0]
            if replicated and not code.startswith("INSERT"):
                assert "ON CLUSTER festival" in formatted
            parsed += 1
    assert parsed >= 12
