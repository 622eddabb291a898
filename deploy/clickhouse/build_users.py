"""Writes deploy/clickhouse/users.d/livefest.xml, compose's ClickHouse users, from the one
definition of the roles (kernel/clickhouse_roles.py via kernel/chserver/users.py):

    .venv/bin/python deploy/clickhouse/build_users.py

tests/deploy/test_compose.py fails when the committed file differs from this output.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kernel.chserver.users import compose_users  # noqa: E402

TARGET = ROOT / "deploy" / "clickhouse" / "users.d" / "livefest.xml"

if __name__ == "__main__":
    TARGET.write_text(compose_users(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
