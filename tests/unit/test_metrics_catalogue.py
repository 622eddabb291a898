"""Every metric declared in code is listed in deploy/METRICS.md (the one catalogue)."""

import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from services.aggregator.metrics import AggregatorMetrics
from services.api.business import FestivalCollector
from services.api.metrics import ApiMetrics

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "deploy" / "METRICS.md"


def catalogued() -> set[str]:
    return set(re.findall(r"`(livefest_[a-z0-9_]+)`", CATALOGUE.read_text(encoding="utf-8")))


def declared() -> set[str]:
    registry = CollectorRegistry()
    AggregatorMetrics.create(registry)
    ApiMetrics.create(registry)
    # describe() declares the festival gauges without querying ClickHouse.
    festival = FestivalCollector(store=None, stale_after_s=120)  # type: ignore[arg-type]
    return {family.name for family in registry.collect()} | {family.name for family in festival.describe()}


def test_every_declared_metric_is_in_the_catalogue():
    names = declared()
    assert len(names) >= 20
    missing = {n.removesuffix("_total") for n in names} - {n.removesuffix("_total") for n in catalogued()}
    assert not missing, f"add these metrics to {CATALOGUE}: {sorted(missing)}"


def test_metric_names_carry_their_unit_or_kind():
    for name in catalogued():
        assert re.fullmatch(r"livefest_(aggregator|api|festival|ingest)_[a-z0-9_]+", name), name
