"""Writes a report as CSV for other tools: a directory with one file per view.

`<key>.csv` (by_county, by_special, by_platform, by_day, top_sessions, reconciliation
when settled figures exist): UTF-8, comma-separated, one header row of the column keys,
then the view's rows and, last, its total row where the view has one (first cell
`合计`). `*_yuan` columns are yuan with exactly two decimals and no separators (exact
from integer fen); `*_pct` columns are per cent with two decimals (rounded down);
integers are plain; an empty cell means "not applicable". `meta.csv` holds the period
and when the figures were taken.
"""

import csv
from pathlib import Path

from kernel.timeutil import rfc3339
from services.report.formatting import percent, yuan
from services.report.model import Report, Table


def _cell(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "fen":
        return yuan(int(str(value)), separators=False)
    if kind == "bp":
        return percent(int(str(value)), sign=False)
    return str(value)


def write_table(table: Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.key for c in table.columns])
        rows = [*table.rows, *([table.total] if table.total is not None else [])]
        for row in rows:
            writer.writerow([_cell(v, c.kind) for c, v in zip(table.columns, row, strict=True)])


def write_csv(report: Report, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for table in report.tables:
        write_table(table, directory / f"{table.key}.csv")
    period = report.period
    with (directory / "meta.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "value"])
        writer.writerow(["title", report.title])
        writer.writerow(["period_from", rfc3339(period.start) if period.start else ""])
        writer.writerow(["period_to", rfc3339(period.end) if period.end else ""])
        writer.writerow(["figures_as_of", rfc3339(report.watermark) if report.watermark else ""])
        writer.writerow(["generated_at", rfc3339(report.generated_at)])
        writer.writerow(["views", " ".join(t.key for t in report.tables)])
    return directory
