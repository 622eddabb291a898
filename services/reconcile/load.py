"""Reads a settled export (CSV or the first sheet of an .xlsx) as a header and string rows.

xlsx cells come back typed: numbers become their shortest decimal text (str of what the
workbook stored; the amount is then read with Decimal and never computed with as a
float), so `1234.56` in a cell is 1234.56 yuan exactly.
"""

import csv
from pathlib import Path

from openpyxl import load_workbook

from services.reconcile.parse import SettlementError


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx(path)
    if suffix in (".csv", ".txt"):
        return _csv(path)
    raise SettlementError(f"{path.name}: expected a .csv or .xlsx settled export")


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    # utf-8-sig: exports saved by Excel start with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise SettlementError(f"{path.name} is empty")
    return [h.strip() for h in rows[0]], rows[1:]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise SettlementError(f"{path.name} has an empty first sheet")
    return [h.strip() for h in rows[0]], rows[1:]
