"""What both dashboards are built from, on Grafana's own typed builders
(grafana-foundation-sdk): the two data sources, a ClickHouse query (the SDK has builders
for Grafana's core data sources only; the ClickHouse plugin's query is four fields), the
grid layout, and one helper per kind of panel."""

import json
from pathlib import Path
from typing import Any, Self

from grafana_foundation_sdk.builders import dashboard as boards
from grafana_foundation_sdk.builders import prometheus
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

# The uids provisioned in deploy/grafana/provisioning/datasources/livefest.yml.
PROM = model.DataSourceRef(type_val="prometheus", uid="prometheus")
CH = model.DataSourceRef(type_val="grafana-clickhouse-datasource", uid="clickhouse")


class ClickHouseQuery(cogvariants.Dataquery):
    """A query of the grafana-clickhouse-datasource plugin, in its SQL editor mode."""

    def __init__(self, sql: str, timeseries: bool) -> None:
        self.sql = " ".join(sql.split())
        self.timeseries = timeseries

    def to_json(self) -> dict[str, Any]:
        return {
            "datasource": CH.to_json(), "refId": "A", "editorType": "sql", "rawSql": self.sql,
            # The plugin's formats: 0 time series, 1 table.
            "format": 0 if self.timeseries else 1,
            "queryType": "timeseries" if self.timeseries else "table",
        }


class ClickHouse(cogbuilder.Builder[cogvariants.Dataquery]):
    def __init__(self, sql: str) -> None:
        self._query = ClickHouseQuery(sql, timeseries=False)

    def timeseries(self) -> Self:
        self._query.timeseries = True
        return self

    def build(self) -> ClickHouseQuery:
        return self._query


def promql(*queries: tuple[str, str]) -> list[prometheus.Dataquery]:
    """(expression, legend) pairs as Prometheus queries A, B, …"""
    return [
        prometheus.Dataquery().ref_id(chr(65 + i)).expr(expr).legend_format(legend).datasource(PROM)
        for i, (expr, legend) in enumerate(queries)
    ]


class Layout:
    """Panels left to right in rows 24 units wide; a panel that does not fit starts a row."""

    def __init__(self) -> None:
        self.x = self.y = self.row_h = 0
        self.next_id = 1

    def place(self, panel: Any, w: int, h: int) -> Any:
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel.id(self.next_id).grid_pos(model.GridPos(h=h, w=w, x=self.x, y=self.y))
        self.next_id += 1
        self.x += w
        self.row_h = max(self.row_h, h)
        return panel


def write(board: boards.Dashboard, path: Path) -> None:
    path.write_text(json.dumps(board.build(), cls=JSONEncoder, ensure_ascii=False, indent=2) + "\n")
