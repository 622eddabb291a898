"""A county report's bytes -> its header and rows of cell values. Pure (no files: the
bytes come from an upload or were read by the caller).

xlsx (recognised by its zip signature): the first sheet; cells come typed (text, int,
float, datetime). CSV: UTF-8 (a byte-order mark is fine) or, failing that, GB18030, the
encoding Excel uses when a Chinese Windows saves "CSV"; cells are text.
"""

import csv
import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from services.ingest.county.template import canonical_header

MAX_ROWS = 10_000


class ReportError(ValueError):
    """The file as a whole cannot be read (not CSV/xlsx, empty, wrong header, too long)."""


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(canonical headers, [(spreadsheet row number, cells)]) for every non-blank data row;
    the header is the first non-blank row."""
    rows = _xlsx(data) if data[:4] == b"PK\x03\x04" else _csv(data)
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(_filled(v) for v in row)]
    if not numbered:
        raise ReportError("the file is empty: expected the header row of the template, then one row per session")
    if len(numbered) - 1 > MAX_ROWS:
        raise ReportError(f"the file has {len(numbered) - 1} rows; at most {MAX_ROWS} a file, split it")
    return [canonical_header(str(h or "")) for h in numbered[0][1]], numbered[1:]


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _csv(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ReportError("the file is neither an .xlsx workbook nor CSV text (UTF-8 or GB18030)") from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise ReportError(f"the CSV cannot be read: {exc}") from None


def _xlsx(data: bytes) -> list[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ReportError(f"the .xlsx workbook cannot be read: {exc}") from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
