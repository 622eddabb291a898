"""Builds deploy/grafana/dashboards/*.json (the files Grafana provisions) with Grafana
Labs' typed builders (grafana-foundation-sdk, a dev dependency pinned in pyproject.toml).

Edit the boards (`ops_board.py`, `bigscreen_board.py`; shared parts in `boardkit.py` and
`sql.py`), then run `python deploy/grafana/build_dashboards.py`. Tests check that the
committed JSON is what this script produces, that every ClickHouse panel's SQL runs
against the migrated schema, and that every PromQL expression parses and names only
metrics and labels the services export.
"""

import sys
from pathlib import Path

from bigscreen_board import bigscreen
from boardkit import write
from ops_board import operations

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "dashboards"

if __name__ == "__main__":
    write(operations(), OUT / "operations.json")
    write(bigscreen(), OUT / "bigscreen.json")
