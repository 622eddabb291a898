"""ClickHouse's own parser accepts every generated cluster statement (formatQuery parses
without executing, so no ZooKeeper or cluster is needed)."""

import re

import pytest

from kernel.clickhouse import Store
from livefest.cluster_ddl import cluster_ddl

pytestmark = pytest.mark.engine


def test_clickhouse_parses_the_cluster_ddl(store: Store):
    script = cluster_ddl("festival")
    parsed = 0
    for statement in (s.strip() for s in re.split(r";\s*$", script, flags=re.MULTILINE)):
        if statement.replace("\n", " ").strip() and not all(
            line.startswith("--") for line in statement.splitlines()
        ):
            (formatted,) = store.rows("SELECT formatQuery({sql:String})", {"sql": statement})[0]
            assert "ON CLUSTER festival" in formatted
            parsed += 1
    assert parsed >= 12
