"""Which metrics and labels a PromQL expression names, checked against what is exported.

The expression is parsed (promql-parser, the Rust PromQL parser) and walked: every
selector must name an exported metric and match only labels it has; every `by`, `on`,
`ignoring`, `group_left`, `label_replace` source must be a label of what it is applied
to; and the labels an alert's templates (`$labels.x`) or a panel's legend (`{{x}}`) use
must survive the expression (a `sum by (platform)` has no `instance` left to print).

`exported(name)` says which labels an exported series has (None: not exported); the
static test answers from the code's declarations, the integration test from real scrapes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import promql_parser as pp

# Added by Prometheus to every scraped series; `up` is Prometheus' own series.
TARGET_LABELS = frozenset({"job", "instance"})
PROMETHEUS_SERIES = {"up": frozenset[str]()}
SCALAR_FUNCTIONS = {"time", "scalar", "pi", "minute", "hour", "day_of_month", "day_of_week", "month", "year"}
SET_OPERATORS = {"and", "or", "unless"}

Exported = Callable[[str], frozenset[str] | None]


@dataclass
class Result:
    """What one expression names, and what is wrong with it."""

    metrics: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    labels: frozenset[str] = frozenset()  # the labels of the expression's result


@dataclass(frozen=True)
class _Value:
    labels: frozenset[str]
    scalar: bool = False


class _Walker:
    def __init__(self, exported: Exported, result: Result) -> None:
        self.exported = exported
        self.result = result

    def problem(self, text: str) -> None:
        self.result.problems.append(text)

    def need(self, labels: list[str] | frozenset[str], have: frozenset[str], what: str) -> None:
        for label in labels:
            if label not in have:
                self.problem(f"{what} uses label {label!r}, which is not among {sorted(have)}")

    def value(self, node: object) -> _Value:  # noqa: PLR0911 (one branch per node type)
        if isinstance(node, pp.VectorSelector):
            return _Value(self.selector(node))
        if isinstance(node, pp.MatrixSelector):
            return _Value(self.selector(node.vector_selector))
        if isinstance(node, pp.ParenExpr | pp.SubqueryExpr | pp.UnaryExpr):
            return self.value(node.expr)
        if isinstance(node, pp.NumberLiteral | pp.StringLiteral):
            return _Value(frozenset(), scalar=True)
        if isinstance(node, pp.Call):
            return self.call(node)
        if isinstance(node, pp.AggregateExpr):
            return _Value(self.aggregate(node))
        if isinstance(node, pp.BinaryExpr):
            return self.binary(node)
        self.problem(f"unexpected PromQL node {type(node).__name__}")
        return _Value(frozenset())

    def selector(self, node: pp.VectorSelector) -> frozenset[str]:
        name = node.name
        matchers = node.matchers.matchers
        for m in matchers:
            if m.name == "__name__" and m.op == pp.MatchOp.Equal:
                name = m.value
        if not name:
            self.problem(f"{node.prettify()}: name the metric, so that a renamed metric cannot hide")
            return TARGET_LABELS
        self.result.metrics.add(name)
        have = PROMETHEUS_SERIES.get(name) if name in PROMETHEUS_SERIES else self.exported(name)
        if have is None:
            self.problem(f"metric {name} is not exported by any service")
            return TARGET_LABELS
        have = have | TARGET_LABELS
        self.need([m.name for m in matchers if m.name != "__name__"], have, name)
        return have

    def call(self, node: pp.Call) -> _Value:
        name = node.func.name
        args = [self.value(arg) for arg in node.args]
        vectors = [a for a in args if not a.scalar]
        if name in SCALAR_FUNCTIONS:
            return _Value(frozenset(), scalar=True)
        if name == "vector" or name.startswith("absent"):
            return _Value(frozenset())
        if name in ("label_replace", "label_join"):
            dst, *sources = [arg.val for arg in node.args[1:] if isinstance(arg, pp.StringLiteral)]
            sources = [sources[1]] if name == "label_replace" else sources[1:]
            self.need([s for s in sources if s], vectors[0].labels, name)
            return _Value(vectors[0].labels | {dst})
        if name == "histogram_quantile":
            self.need(["le"], vectors[0].labels, name)
            return _Value(vectors[0].labels - {"le"})
        return vectors[0] if vectors else _Value(frozenset(), scalar=True)

    def aggregate(self, node: pp.AggregateExpr) -> frozenset[str]:
        inner = self.value(node.expr).labels
        op = str(node.op)
        if node.param is not None:
            self.value(node.param)
        modifier = node.modifier
        grouping = list(modifier.labels) if modifier is not None else []
        if modifier is not None and modifier.type == pp.AggModifierType.By:
            self.need(grouping, inner, f"{op} by")
            out = frozenset(grouping)
        elif modifier is not None:
            out = inner - set(grouping)
        else:
            out = frozenset()
        if op in ("topk", "bottomk", "limitk"):
            out = inner
        if op == "count_values" and isinstance(node.param, pp.StringLiteral):
            out = out | {node.param.val}
        return out

    def binary(self, node: pp.BinaryExpr) -> _Value:
        lhs, rhs = self.value(node.lhs), self.value(node.rhs)
        if lhs.scalar or rhs.scalar:
            return rhs if lhs.scalar else lhs
        op = str(node.op)
        modifier = node.modifier
        matching = modifier.matching if modifier is not None else None
        on = matching is not None and matching.type == pp.LabelModifierType.Include
        keys = list(matching.labels) if matching is not None else []
        self.need(keys, lhs.labels & rhs.labels if on else lhs.labels | rhs.labels, f"{op} on/ignoring")
        if op in SET_OPERATORS:
            return _Value(lhs.labels | rhs.labels if op == "or" else lhs.labels)
        card = modifier.card if modifier is not None else pp.VectorMatchCardinality.OneToOne
        group = list(modifier.group_labels or []) if modifier is not None else []
        if card == pp.VectorMatchCardinality.ManyToOne:
            self.need(group, rhs.labels, "group_left")
            return _Value(lhs.labels | set(group))
        if card == pp.VectorMatchCardinality.OneToMany:
            self.need(group, lhs.labels, "group_right")
            return _Value(rhs.labels | set(group))
        # One-to-one: `on (l)` keeps only l; `ignoring (l)` drops l (Prometheus' resultMetric).
        return _Value(frozenset(keys) if on else lhs.labels - set(keys))


def check(expr: str, exported: Exported) -> Result:
    """Parse `expr` and check every metric and label it names against `exported`."""
    result = Result()
    try:
        tree = pp.parse(expr)
    except Exception as exc:  # the parser raises ValueError subclasses with the position
        result.problems.append(f"does not parse: {exc}")
        return result
    result.labels = _Walker(exported, result).value(tree).labels
    return result


def template_labels(text: str) -> set[str]:
    """Labels an alert annotation (`$labels.x`) or a legend (`{{x}}`) prints."""
    return set(re.findall(r"\$labels\.(\w+)", text)) | set(re.findall(r"\{\{\s*(\w+)\s*\}\}", text))
