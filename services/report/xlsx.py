"""Writes a report as an .xlsx workbook officials can forward (openpyxl).

One sheet per view. Rows 1-3: title, period, when the figures were taken; row 4: the
view's name and note; row 5: Chinese headers; row 6: English headers (both frozen); data
from row 7, the total row last. Money is yuan with two decimals, written as exact
decimals (from integer fen) with the number format '#,##0.00'.
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.report.formatting import cell_text, display_width, percent_decimal, yuan_decimal
from services.report.header import header_lines
from services.report.model import Report, Table

HEADER_ROWS = 6
FIRST_DATA_ROW = HEADER_ROWS + 1
NUMBER_FORMATS = {"int": "#,##0", "fen": "#,##0.00", "bp": "0.00%"}
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def sheet_title(table: Table) -> str:
    # Excel allows 31 characters and no []:*?/\ in a sheet name.
    return f"{table.zh} {table.en}"[:31]


def _value(value: object, kind: str) -> object:
    if value is None:
        return None
    if kind == "fen":
        return yuan_decimal(int(str(value)))
    if kind == "bp":
        return percent_decimal(int(str(value)))
    return value


def _write_row(ws: Worksheet, row: int, table: Table, values: tuple[object, ...], total: bool) -> None:
    for col, (column, value) in enumerate(zip(table.columns, values, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=_value(value, column.kind))
        if column.kind in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[column.kind]
        if total:
            cell.font = Font(bold=True)
            cell.fill = _TOTAL_FILL


def _fit_widths(ws: Worksheet, table: Table) -> None:
    for col, column in enumerate(table.columns, start=1):
        texts = [column.zh, column.en, *(cell_text(r[col - 1], column.kind) for r in table.rows)]
        if table.total is not None:
            texts.append(cell_text(table.total[col - 1], column.kind))
        width = max(display_width(t) for t in texts) + 2
        ws.column_dimensions[get_column_letter(col)].width = min(max(width, 8), 60)


def add_sheet(wb: Workbook, report: Report, table: Table) -> Worksheet:
    ws = wb.create_sheet(sheet_title(table))
    for row, line in enumerate(header_lines(report), start=1):
        ws.cell(row=row, column=1, value=line).font = Font(bold=row == 1, size=14 if row == 1 else 11)
    caption = f"{table.zh} / {table.en}" + (f"　{table.note}" if table.note else "")
    ws.cell(row=4, column=1, value=caption).font = Font(bold=True)
    for col, column in enumerate(table.columns, start=1):
        zh = ws.cell(row=5, column=col, value=column.zh)
        en = ws.cell(row=6, column=col, value=column.en)
        for cell in (zh, en):
            cell.fill = _HEAD_FILL
            cell.alignment = Alignment(horizontal="center", wrap_text=False)
        zh.font = Font(bold=True)
        en.font = Font(italic=True, size=9)
    for offset, values in enumerate(table.rows):
        _write_row(ws, FIRST_DATA_ROW + offset, table, values, total=False)
    if table.total is not None:
        _write_row(ws, FIRST_DATA_ROW + len(table.rows), table, table.total, total=True)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    _fit_widths(ws, table)
    return ws


def write_xlsx(report: Report, path: Path) -> Path:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for table in report.tables:
        add_sheet(wb, report, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
