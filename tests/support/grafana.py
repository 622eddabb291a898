"""Reads the shipped Grafana dashboards and expands the ClickHouse plugin's macros the way
Grafana does before it sends a query, so the SQL can run against the embedded engine."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA_DIR = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
CLICKHOUSE_PLUGIN = "grafana-clickhouse-datasource"


@dataclass(frozen=True)
class Query:
    dashboard: str
    panel_id: int
    title: str
    datasource: dict[str, str]
    target: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.target.get("rawSql") or self.target.get("expr") or "")


def load(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return board


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows hold their panels


def queries(path: Path) -> Iterator[Query]:
    board = load(path)
    for panel in panels(board):
        for target in panel.get("targets", []):
            datasource = target.get("datasource") or panel.get("datasource") or {}
            yield Query(board["uid"], panel["id"], panel["title"], datasource, target)


def provisioned_datasources() -> dict[str, str]:
    """uid -> type of every provisioned data source."""
    found: dict[str, str] = {}
    for path in (GRAFANA_DIR / "provisioning" / "datasources").glob("*.yml"):
        for source in yaml.safe_load(path.read_text())["datasources"]:
            found[source["uid"]] = source["type"]
    return found


def expand(sql: str, start_s: int, end_s: int, interval_s: int, variables: dict[str, str]) -> str:
    """The plugin's macros and Grafana's variable interpolation, with fixed values."""
    sql = re.sub(
        r"\$__timeFilter\(\s*([\w.]+)\s*\)",
        lambda m: f"{m[1]} >= toDateTime({start_s}) AND {m[1]} <= toDateTime({end_s})",
        sql,
    )
    sql = sql.replace("$__fromTime", f"toDateTime({start_s})").replace("$__toTime", f"toDateTime({end_s})")
    sql = sql.replace("$__interval_s", str(interval_s))

    def variable(match: re.Match[str]) -> str:
        value = variables[match["name"]]
        if match["format"] == "sqlstring":
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if match["format"] not in (None, "raw"):
            raise ValueError(f"format {match['format']!r} is not expanded by this test helper")
        return value

    sql = re.sub(r"\$\{(?P<name>\w+)(?::(?P<format>\w+))?\}", variable, sql)
    sql = re.sub(r"\$(?P<name>[a-z]\w*)(?P<format>)", variable, sql)
    if "$" in sql:
        raise ValueError(f"unexpanded macro or variable left in: {sql}")
    return sql
