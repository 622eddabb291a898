"""deploy/METRICS.md lists every metric the code declares, with its type and labels, and
nothing else (the code's declarations: tests/support/metric_catalogue.py)."""

import re

from tests.support.metric_catalogue import declared
from tests.support.metric_refs import CATALOGUE, documented


def test_every_declared_metric_is_in_the_catalogue_with_its_type_and_labels():
    rows = documented()
    assert len(declared()) >= 30
    for d in declared().values():
        name = d.series() if d.kind != "histogram" else d.family
        assert name in rows, f"add {name} ({d.kind}, labels {sorted(d.labels)}) to {CATALOGUE}"
        assert (rows[name].kind, rows[name].labels) == (d.kind, d.labels), f"{CATALOGUE}: {name}"


def test_the_catalogue_lists_nothing_the_code_does_not_declare():
    names = {d.series() if d.kind != "histogram" else d.family for d in declared().values()}
    assert set(documented()) - names == set(), f"{CATALOGUE} lists metrics no code declares"


def test_metric_names_carry_their_unit_or_kind():
    for name in documented():
        assert re.fullmatch(r"livefest_(aggregator|api|festival|ingest)_[a-z0-9_]+", name), name
    for d in declared().values():
        if d.kind == "counter":
            assert d.series().endswith("_total"), d.ref
        else:
            assert not d.family.endswith("_total"), f"{d.family}: only counters end in _total"
