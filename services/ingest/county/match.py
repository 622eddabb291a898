"""Which mapping reads a file: its header row against each mapping's columns. Pure.

A file is read with the mapping the caller names (or supplies), else with the known
mapping its headers fit: every column that mapping needs is present (spelt as in the
mapping, give or take spaces, ASCII parentheses and letter case). Of several that fit,
the one that reads most of the file's columns wins, then the earlier (the template
first). A strict mapping (the template) also refuses columns it does not know, so a
column is never silently ignored there; other exports carry dozens of indicators a
report does not need, and those columns are named in the answer as ignored.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.ingest.county.errors import ReportError
from services.ingest.county.mapping import Mapping


def canonical(text: str) -> str:
    """Headers as people type them: spaces, ASCII parentheses and case do not matter."""
    return "".join(text.split()).replace("(", "（").replace(")", "）").casefold()


@dataclass(frozen=True)
class Binding:
    """A mapping bound to one file's header: where each field's column is."""

    mapping: Mapping
    columns: dict[str, tuple[int, str]]  # field -> (position in the row, the header as written)
    ignored: tuple[str, ...]

    def pick(self, cells: list[Any]) -> dict[str, tuple[str, Any]]:
        """field -> (header as written, raw cell) for one row."""
        return {f: (h, cells[i] if i < len(cells) else None) for f, (i, h) in self.columns.items()}

    def label(self, field: str) -> str:
        """The file's header for `field` (the mapping's first spelling when not in the file)."""
        return self.columns[field][1] if field in self.columns else (self.mapping.headers(field) or (field,))[0]

    def order(self, header: str | None) -> int:
        """A header's position in the file (row-wide problems, None, sort last)."""
        positions = {h: i for i, h in self.columns.values()}
        return positions.get(header, len(positions) + 1) if header is not None else 10**6


def bind(mapping: Mapping, header: Sequence[str]) -> tuple[Binding | None, list[str]]:
    """(the binding, []) when `header` fits `mapping`, else (None, what is wrong)."""
    where: dict[str, list[int]] = {}
    for position, text in enumerate(header):
        if text.strip():
            where.setdefault(canonical(text), []).append(position)
    columns: dict[str, tuple[int, str]] = {}
    problems: list[str] = []
    for field in mapping.columns:
        found = sorted({p for h in mapping.headers(field) for p in where.get(canonical(h), [])})
        if len(found) > 1:
            problems.append(f"column {header[found[0]].strip()} is given twice")
        elif found:
            columns[field] = (found[0], header[found[0]].strip())
    missing = [mapping.headers(f)[0] for f in mapping.required_fields() if f not in columns]
    if {"session_id", "start"} <= set(mapping.columns) and not {"session_id", "start"} & set(columns):
        missing.append(f"{mapping.headers('session_id')[0]} (or {mapping.headers('start')[0]})")
    used = {p for p, _ in columns.values()}
    unused = tuple(header[p].strip() for ps in where.values() for p in ps if p not in used)
    if missing:
        problems.insert(0, f"missing columns: {'、'.join(missing)}")
    if mapping.strict and unused:
        problems.append(f"unknown columns: {'、'.join(unused)}")
    if problems:
        return None, problems
    return Binding(mapping, columns, unused), []


def choose(header: Sequence[str], known: Sequence[Mapping], given: Mapping | None = None) -> Binding:
    """The binding that reads `header` (see the module docstring); ReportError otherwise."""
    if given is not None:
        binding, problems = bind(given, header)
        if binding is None:
            raise ReportError(f"the header row does not fit the mapping {given.name!r} ({'; '.join(problems)})")
        return binding
    fits: list[Binding] = []
    closest: tuple[int, Mapping, list[str]] | None = None
    for mapping in known:
        binding, problems = bind(mapping, header)
        if binding is not None:
            fits.append(binding)
            continue
        score = len(mapping.required_fields()) - sum(p.count("、") + 1 for p in problems if p.startswith("missing"))
        if closest is None or score > closest[0]:
            closest = (score, mapping, problems)
    if fits:
        return max(fits, key=lambda b: (len(b.columns), -known.index(b.mapping)))
    assert closest is not None, "there is always the template"
    _, mapping, problems = closest
    expected = "、".join(mapping.headers(f)[0] for f in mapping.columns)
    raise ReportError(f"the header row fits no known export; closest is {mapping.name!r} ({'; '.join(problems)}). "
                      f"Expected: {expected}. Another export can be read with a mapping of its own "
                      "(schemas/county_reports/mappings/README.md)")
