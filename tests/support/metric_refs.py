"""Everything that names a metric outside the code: the alerting and recording rules, the
Grafana dashboards' Prometheus queries, and the catalogue deploy/METRICS.md.

`problems(exported)` lists each place that names a metric or label `exported` does not
know; `exported` comes from the code (tests/deploy) or from running services (the
integration test), so the same references are held to both.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support import grafana
from tests.support.promql_refs import Exported, check, template_labels

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
CATALOGUE = ROOT / "deploy" / "METRICS.md"
ROW = re.compile(r"^\|\s*`(?P<name>livefest_[a-z0-9_]+)`\s*\|\s*(?P<kind>\w+)\s*\|(?P<labels>[^|]*)\|", re.M)


@dataclass(frozen=True)
class Query:
    where: str
    expr: str
    prints: str = ""  # the templates or legend that print the result's labels


@dataclass(frozen=True)
class Documented:
    name: str
    kind: str
    labels: frozenset[str]


def rule_queries() -> list[Query]:
    found = []
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                name = rule.get("alert") or rule.get("record")
                prints = " ".join(str(v) for v in (rule.get("annotations") or {}).values())
                found.append(Query(f"{path.name}: {name}", rule["expr"], prints))
    return found


def dashboard_queries() -> list[Query]:
    return [
        Query(f"{path.name} panel {q.panel_id} {q.target['refId']} ({q.title})", q.text,
              str(q.target.get("legendFormat", "")))
        for path in grafana.DASHBOARDS
        for q in grafana.queries(path)
        if q.datasource.get("type") == "prometheus"
    ]


def documented() -> dict[str, Documented]:
    """deploy/METRICS.md's tables: name (as exported: counters with _total) -> type, labels."""
    rows = {}
    for m in ROW.finditer(CATALOGUE.read_text(encoding="utf-8")):
        labels = frozenset(re.findall(r"`(\w+)`", m["labels"]))
        rows[m["name"]] = Documented(m["name"], m["kind"], labels)
    return rows


def query_problems(queries: list[Query], exported: Exported) -> list[str]:
    found = []
    for query in queries:
        result = check(query.expr, exported)
        found += [f"{query.where}: {p}" for p in result.problems]
        for label in sorted(template_labels(query.prints) - result.labels):
            found.append(f"{query.where}: prints label {label!r}, but the result only has {sorted(result.labels)}")
    return found


def catalogue_problems(exported: Exported) -> list[str]:
    found = []
    for row in documented().values():
        have = exported(row.name)
        if have is None:
            found.append(f"{CATALOGUE.name}: {row.name} is not exported by any service")
        elif row.labels != have:
            found.append(f"{CATALOGUE.name}: {row.name} has labels {sorted(have)}, documented {sorted(row.labels)}")
    return found


def problems(exported: Exported) -> list[str]:
    """Every metric or label named by a rule, a dashboard or METRICS.md that `exported` lacks."""
    return (query_problems(rule_queries(), exported) + query_problems(dashboard_queries(), exported)
            + catalogue_problems(exported))
