"""The metrics the code declares, read from the code itself (never from the rules or docs).

Each service's `metrics.py` declares its metrics as fields of one dataclass created on an
injectable registry; the API's festival gauges come from the `describe()` of its two
collectors (the operational ones on /metrics, the figures on /v1/metrics).
A metric is referred to as `service.field` (`ingest.polls`, `aggregator.consumer_lag`,
`festival.watermark_seconds`), which is what the promtool test file writes instead of a
name: `render()` turns `${ingest.polls}` into the series name the code really exports.
"""

import dataclasses
import re
import string
from dataclasses import dataclass
from functools import cache

from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from services.aggregator.metrics import AggregatorMetrics
from services.api.business import FestivalFiguresCollector
from services.api.festival_health import FestivalHealthCollector
from services.api.metrics import ApiMetrics
from services.ingest.metrics import IngestMetrics

FESTIVAL_PREFIX = "livefest_festival_"
# The series each kind of metric exposes, by suffix (prometheus_client's _created aside).
SAMPLE_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


@dataclass(frozen=True)
class Declared:
    ref: str  # service.field
    family: str  # the family name (a counter's without _total)
    kind: str  # counter, gauge, histogram
    labels: frozenset[str]

    def series(self, suffix: str | None = None) -> str:
        """The exported series name: a counter's `_total`, a histogram's `_count` etc."""
        if suffix is None:
            if self.kind == "histogram":
                raise KeyError(f"{self.ref} is a histogram: name one of its series, e.g. ${{{self.ref}:count}}")
            return self.family + SAMPLE_SUFFIXES[self.kind][0]
        if f"_{suffix}" not in SAMPLE_SUFFIXES[self.kind]:
            raise KeyError(f"{self.ref} is a {self.kind}: it has no _{suffix} series")
        return f"{self.family}_{suffix}"

    @property
    def names(self) -> set[str]:
        """Every series name it exports, and its family name (what rules and docs may use)."""
        return {self.family + s for s in SAMPLE_SUFFIXES[self.kind]} | {self.family}


@cache
def declared() -> dict[str, Declared]:
    """ref -> declaration, for every metric of every service."""
    registry = CollectorRegistry()
    found: dict[str, Declared] = {}
    for service, metrics in (
        ("aggregator", AggregatorMetrics.create(registry)),
        ("api", ApiMetrics.create(registry)),
        ("ingest", IngestMetrics.create(registry)),
    ):
        for field in dataclasses.fields(metrics):
            metric = getattr(metrics, field.name)
            if isinstance(metric, MetricWrapperBase):
                found[f"{service}.{field.name}"] = Declared(
                    f"{service}.{field.name}", metric._name, metric._type, frozenset(metric._labelnames)
                )
    # describe() declares the festival gauges without querying ClickHouse.
    collectors = (FestivalHealthCollector(store=None, stale_after_s=120),  # type: ignore[arg-type]
                  FestivalFiguresCollector(store=None, stale_after_s=120))  # type: ignore[arg-type]
    for family in (family for collector in collectors for family in collector.describe()):
        ref = "festival." + family.name.removeprefix(FESTIVAL_PREFIX)
        labels = {label for sample in family.samples for label in sample.labels} | set(family._labelnames)
        found[ref] = Declared(ref, family.name, family.type, frozenset(labels))
    return found


def by_name() -> dict[str, Declared]:
    """Every name a rule or document may use (series and family names) -> its declaration."""
    return {name: d for d in declared().values() for name in d.names}


def labels_of(name: str) -> frozenset[str] | None:
    """The labels of the series (or family) `name` as the code declares it; None if undeclared."""
    d = by_name().get(name)
    if d is None:
        return None
    return d.labels | {"le"} if name.endswith("_bucket") and d.kind == "histogram" else d.labels


class _Refs(string.Template):
    braceidpattern = r"[a-z]+\.[a-z_]+(?::[a-z]+)?"


def render(text: str) -> str:
    """`${service.field}` / `${service.field:count}` -> the exported series name."""

    def lookup(match: re.Match[str]) -> str:
        ref, _, suffix = match["braced"].partition(":")
        if ref not in declared():
            raise KeyError(f"${{{ref}}}: no such metric in the code (known: {', '.join(sorted(declared()))})")
        return declared()[ref].series(suffix or None)

    return _Refs.pattern.sub(lambda m: lookup(m) if m["braced"] else m[0], text)
