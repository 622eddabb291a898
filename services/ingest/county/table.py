"""A county report's bytes -> its header and a stream of rows of cell values. Pure (no
files: the bytes come from an upload or were read by the caller).

xlsx (recognised by its zip signature): the first sheet, read by the bounded reader in
xlsx.py; cells come typed (text, int, float, datetime). CSV: cells are text, decoded as
UTF-8 (a byte-order mark is fine) or, failing that, GB18030: Excel on a Chinese Windows
saves "CSV" in the system's code page (GBK, of which GB18030 is the superset), and the
back offices' own CSV exports are one or the other. UTF-16 ("Unicode text") and the old
binary .xls are refused with what to do instead. Every row is bounded (columns, cell
size) and the stream stops at the row limits, so no file is ever read whole into rows.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.ingest.county import limits, xlsx
from services.ingest.county.errors import ReportError
from services.ingest.county.limits import MAX_ROWS

__all__ = ["MAX_ROWS", "ReportError", "Table", "open_table"]

_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: the binary .xls of Excel 97-2003


@dataclass
class Table:
    """The header (the first non-blank row, as written) and the data rows after it: each
    non-blank row once, as (spreadsheet row number, cells); read lazily, at most MAX_ROWS."""

    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]


def open_table(data: bytes) -> Table:
    """Start reading `data`; ReportError for a file that is empty or of no known kind.
    Errors deeper in the file (a bad cell, a limit) are raised while iterating `rows`."""
    if not data.strip():
        raise ReportError("the file is empty: expected a header row, then one row per session")
    if data[:8] == _XLS:
        raise ReportError("this is an old binary .xls workbook: save it as .xlsx (Excel 2007 or later) or CSV")
    raw = xlsx.rows(data) if data[:4] == b"PK\x03\x04" else _csv(data)
    filled = _non_blank(raw)
    first = next(filled, None)
    if first is None:
        raise ReportError("the file is empty: expected a header row, then one row per session")
    number, header = first
    return Table([_header_text(h) for h in header], number, _at_most(filled))


def _non_blank(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    return ((n, row) for n, row in rows if any(_filled(v) for v in row))


def _at_most(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ReportError(f"the file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} a file, split it")
        yield row


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _header_text(value: Any) -> str:
    return "" if value is None else str(value)


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ReportError("the file is UTF-16 text (Excel's \"Unicode text\"): save it as CSV UTF-8 or as .xlsx")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ReportError("the file is neither an .xlsx workbook nor CSV text (UTF-8 or GB18030)") from None


def _csv(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    if "\x00" in text:
        raise ReportError("the file holds NUL characters: it is neither CSV text nor an .xlsx workbook")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(reader, start=1):
            if number > limits.MAX_SCANNED_ROWS:
                raise ReportError(f"the file has more than {limits.MAX_SCANNED_ROWS:,} lines; a report has at most "
                                  f"{MAX_ROWS:,} rows: split it")
            yield number, _bounded(number, row)
    except csv.Error as exc:
        raise ReportError(f"the CSV cannot be read: {exc}") from None


def _bounded(number: int, row: list[str]) -> list[str]:
    while row and not row[-1].strip():
        row.pop()
    if len(row) > limits.MAX_COLUMNS:
        raise ReportError(f"line {number} has {len(row)} columns; a report has at most {limits.MAX_COLUMNS}")
    for column, cell in enumerate(row, start=1):
        if len(cell) > limits.MAX_CELL_CHARS:
            raise ReportError(f"line {number}, column {xlsx.column_name(column)} holds {len(cell):,} characters; "
                              f"at most {limits.MAX_CELL_CHARS:,} a cell")
    return row
