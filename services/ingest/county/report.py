"""A whole county report -> its snapshots, or the list of every problem in it. Pure.

All or nothing: the caller publishes only a report without problems, so a file with a
bad row changes no figure. Across rows, one session (平台 + 场次ID) may appear several
times (readings at different 数据时间), but not twice at the same 数据时间, and always
with the same county, room and special.
"""

from dataclasses import dataclass, field
from datetime import datetime

from schemas.snapshot import Snapshot
from services.ingest.county import mapping as mappings
from services.ingest.county import template as t
from services.ingest.county.match import Binding, choose
from services.ingest.county.rows import Problem, Rules, parse_row
from services.ingest.county.table import ReportError, open_table

__all__ = ["ParsedRow", "Report", "ReportError", "foreign_rows", "parse_report"]
MAX_PROBLEMS = 1_000  # listed in an answer; a file of 10,000 bad rows would otherwise list 140,000


@dataclass(frozen=True)
class ParsedRow:
    number: int  # spreadsheet row (the header is row 1)
    county: str | None
    snapshot: Snapshot | None


@dataclass(frozen=True)
class Report:
    rows: list[ParsedRow]
    problems: list[Problem]
    mapping: str = "livefest-template"  # the name of the mapping the file was read with
    ignored_columns: tuple[str, ...] = field(default=())
    county_column: str = t.COUNTY  # the file's header for the county (problems name it)
    refused_rows: int = 0  # rows with at least one problem (problems lists the first MAX_PROBLEMS)

    @property
    def snapshots(self) -> list[Snapshot]:
        return [r.snapshot for r in self.rows if r.snapshot is not None]


def parse_report(data: bytes, now: datetime, scope: str | None = None,
                 mapping: mappings.Mapping | None = None) -> Report:
    """Read and check every row; `now` bounds 数据时间 (figures cannot be from the future).

    The file is read with `mapping` when given, else with the shipped mapping its header
    fits (match.py). `scope` is the uploader's county (a county key, `--county`): rows of
    an export without a county column are that county's. Bounded: ReportError as soon as
    the file crosses a limit (limits.py), having read no more than that."""
    table = open_table(data)
    binding = choose(table.header, mappings.shipped(), mapping)
    rules = _rules(binding, scope)
    rows, problems, refused = [], [], set()
    for number, cells in table.rows:
        county, snapshot, found = parse_row(number, binding.pick(cells), now, rules)
        rows.append(ParsedRow(number, county, snapshot))
        problems += found[: max(0, MAX_PROBLEMS - len(problems))]  # a whole bad file lists the first ones
        refused.update(p.row for p in found)
    if not rows:
        raise ReportError("the file has a header but no rows: one row per session, please")
    across = _across_rows(rows, binding)
    problems += across[: max(0, MAX_PROBLEMS - len(problems))]
    refused.update(p.row for p in across)
    return Report(rows, sorted(problems, key=lambda p: (p.row, binding.order(p.column))), binding.mapping.name,
                  binding.ignored, binding.label("county"), len(refused))


def _rules(binding: Binding, scope: str | None) -> Rules:
    chosen = binding.mapping
    defaults: dict[str, object] = dict(chosen.defaults)
    if chosen.platform is not None:
        defaults.setdefault("platform", chosen.platform)
    if scope not in (None, "all"):
        defaults.setdefault("county", scope)
    headers = {f: h for f, (_, h) in binding.columns.items()}
    headers.update({f: chosen.headers(f)[0] for f in chosen.columns if f not in headers})
    return Rules(defaults, chosen.money_unit, chosen.gmv_basis, chosen.time_formats, headers)


def foreign_rows(report: Report, scope: str | None) -> list[Problem]:
    """Rows of another county than a county-scoped key's (`all` or None may report any)."""
    if scope in (None, "all"):
        return []
    return [Problem(r.number, report.county_column, r.county,
                    f"belongs to another county; this key reports {scope} only")
            for r in report.rows if r.county is not None and r.county != scope]


def _across_rows(rows: list[ParsedRow], binding: Binding) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, datetime], int] = {}
    attribution: dict[str, tuple[int, tuple[object, ...]]] = {}
    for row in rows:
        s = row.snapshot
        if s is None:
            continue
        identity = (s.session_id, s.observed_at)
        if identity in seen:
            problems.append(Problem(row.number, binding.label("observed_at"), s.observed_at.isoformat(sep=" "),
                                    f"repeats row {seen[identity]}: one session has one row per 数据时间"))
        seen.setdefault(identity, row.number)
        first, claimed = attribution.setdefault(s.session_id, (row.number, (s.county, s.room_id, s.special)))
        if claimed != (s.county, s.room_id, s.special):
            problems.append(Problem(row.number, None, s.session_id,
                                    f"gives this session another 县区, 直播间ID or 专场 than row {first}"))
    return problems
