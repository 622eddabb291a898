"""Reads a results report back from its files (openpyxl, csv) into rows keyed by column
key, money back in integer fen, so tests compare them with the truth exactly."""

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from services.report.model import Column, Table
from services.report.xlsx import FIRST_DATA_ROW, sheet_title


def fen(value: object) -> int:
    """A yuan amount as written (a number in a sheet, a string in a CSV) -> integer fen."""
    amount = Decimal(str(value)) * 100
    assert amount == amount.to_integral_value(), f"{value!r} is not a whole number of fen"
    return int(amount)


def bp(value: object, percent_text: bool) -> int:
    amount = Decimal(str(value)) * (100 if percent_text else 10_000)
    return int(amount.to_integral_value())


def _typed(column: Column, value: object, from_csv: bool) -> object:
    if value is None or value == "":
        return None
    if column.kind == "fen":
        return fen(value)
    if column.kind == "bp":
        return bp(value, percent_text=from_csv)
    if column.kind == "int":
        assert from_csv or isinstance(value, int), (column.key, value)
        return int(str(value))
    return value


def xlsx_rows(path: Path, table: Table) -> tuple[list[dict[str, object]], dict[str, object]]:
    """(data rows, total row or {}) of one sheet, checking its layout on the way."""
    ws = load_workbook(path)[sheet_title(table)]
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert [c.value for c in ws[5]][: len(table.columns)] == [c.zh for c in table.columns]
    assert [c.value for c in ws[6]][: len(table.columns)] == [c.en for c in table.columns]
    rows = []
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        cells = row[: len(table.columns)]
        if all(c.value is None for c in cells):
            continue
        for column, cell in zip(table.columns, cells, strict=True):
            if column.kind == "fen" and cell.value is not None:
                assert cell.number_format == "#,##0.00", (column.key, cell.number_format)
            if column.kind == "int" and cell.value is not None:
                assert cell.number_format == "#,##0", (column.key, cell.number_format)
        rows.append({c.key: _typed(c, cell.value, False) for c, cell in zip(table.columns, cells, strict=True)})
    return _split_total(rows, table)


def csv_rows(path: Path, table: Table) -> tuple[list[dict[str, object]], dict[str, object]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [c.key for c in table.columns]
        rows = [{c.key: _typed(c, raw[c.key], True) for c in table.columns} for raw in reader]
    return _split_total(rows, table)


def _split_total(rows: list[dict[str, object]], table: Table) -> tuple[list[dict[str, object]], dict[str, object]]:
    if table.total is None:
        return rows, {}
    assert rows and rows[-1][table.columns[0].key] == "合计", "the total row is missing"
    return rows[:-1], rows[-1]
