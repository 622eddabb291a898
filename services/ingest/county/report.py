"""A whole county report -> its snapshots, or the list of every problem in it. Pure.

All or nothing: the caller publishes only a report without problems, so a file with a
bad row changes no figure. Across rows, one session (平台 + 场次ID) may appear several
times (readings at different 数据时间), but not twice at the same 数据时间, and always
with the same county, room and special.
"""

from dataclasses import dataclass
from datetime import datetime

from schemas.snapshot import Snapshot
from services.ingest.county import template as t
from services.ingest.county.rows import Problem, parse_row
from services.ingest.county.table import ReportError, read_table

__all__ = ["ParsedRow", "Report", "ReportError", "foreign_rows", "parse_report"]


@dataclass(frozen=True)
class ParsedRow:
    number: int  # spreadsheet row (the header is row 1)
    county: str | None
    snapshot: Snapshot | None


@dataclass(frozen=True)
class Report:
    rows: list[ParsedRow]
    problems: list[Problem]

    @property
    def snapshots(self) -> list[Snapshot]:
        return [r.snapshot for r in self.rows if r.snapshot is not None]


def parse_report(data: bytes, now: datetime) -> Report:
    """Read and check every row; `now` bounds 数据时间 (figures cannot be from the future)."""
    header, table = read_table(data)
    _check_header(header)
    if not table:
        raise ReportError("the file has the template's header but no rows: one row per session, please")
    rows, problems = [], []
    for number, cells in table:
        county, snapshot, found = parse_row(number, dict(zip(header, cells, strict=False)), now)
        rows.append(ParsedRow(number, county, snapshot))
        problems += found
    problems += _across_rows(rows)
    return Report(rows, sorted(problems, key=_position))


def _position(problem: Problem) -> tuple[int, int]:
    """Row by row, in the template's column order (row-wide problems last)."""
    column = t.HEADERS.index(problem.column) if problem.column in t.HEADERS else len(t.HEADERS)
    return problem.row, column


def foreign_rows(report: Report, scope: str | None) -> list[Problem]:
    """Rows of another county than a county-scoped key's (`all` or None may report any)."""
    if scope in (None, "all"):
        return []
    return [Problem(r.number, t.COUNTY, r.county, f"belongs to another county; this key reports {scope} only")
            for r in report.rows if r.county is not None and r.county != scope]


def _check_header(header: list[str]) -> None:
    missing = [h for h in t.HEADERS if h not in header and h not in t.OPTIONAL]
    unknown = [h for h in header if h and h not in t.HEADERS]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if missing or unknown or duplicated:
        parts = [f"missing columns: {'、'.join(missing)}"] if missing else []
        parts += [f"unknown columns: {'、'.join(unknown)}"] if unknown else []
        parts += [f"columns given twice: {'、'.join(duplicated)}"] if duplicated else []
        raise ReportError("the header row is not the template's (" + "; ".join(parts)
                          + f"). Expected: {'、'.join(t.HEADERS)}")


def _across_rows(rows: list[ParsedRow]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, datetime], int] = {}
    attribution: dict[str, tuple[int, tuple[object, ...]]] = {}
    for row in rows:
        s = row.snapshot
        if s is None:
            continue
        identity = (s.session_id, s.observed_at)
        if identity in seen:
            problems.append(Problem(row.number, t.OBSERVED, s.observed_at.isoformat(sep=" "),
                                    f"repeats row {seen[identity]}: one session has one row per 数据时间"))
        seen.setdefault(identity, row.number)
        first, claimed = attribution.setdefault(s.session_id, (row.number, (s.county, s.room_id, s.special)))
        if claimed != (s.county, s.room_id, s.special):
            problems.append(Problem(row.number, None, s.session_id,
                                    f"gives this session another 县区, 直播间ID or 专场 than row {first}"))
    return problems
