"""An xlsx's first sheet as rows of typed cells, streamed and bounded. Pure.

Why not openpyxl's reader: it trusts the sheet's `<dimension>` and pads every gap, so a
5 KB file claiming A1:XFD1048576 with one cell in the last row became ~17 billion cells
(issue 22: 14.8 GB RSS); it also loads the shared strings and each row whole, unbounded.
python-calamine (Rust) builds the sheet's full rectangle the same way before handing out
a row. Here the sheet is read as it is written: only the cells present, row by row from
the decompressing stream (archive.py), through a defused SAX parser (xml_parts.py), and
stopped at the first limit it crosses. openpyxl still supplies the two pure helpers it is
good at: whether a number format is a date, and serial number -> datetime.

Cells come as openpyxl gave them: text (`str`), whole numbers (`int`), other numbers
(`float`, from their decimal text), `bool`, and `datetime` for date-formatted numbers.
"""

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.sax.xmlreader import AttributesImpl

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from services.ingest.county import limits, xml_parts
from services.ingest.county.archive import Archive
from services.ingest.county.errors import ReportError

_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")
MAX_ROW_NUMBER = 1_048_576  # the spreadsheet's own last row


def rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) for every row with a value in the first sheet, in sheet order."""
    archive = Archive(data)
    book = xml_parts.book(archive)
    strings = xml_parts.shared_strings(archive)
    epoch = CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900
    handler = _SheetHandler(strings, xml_parts.date_styles(archive), epoch)
    yield from xml_parts.parse(archive, book.first_sheet, limits.MAX_SHEET_XML, handler)


def column_name(index: int) -> str:
    """1 -> A, 27 -> AA (for messages)."""
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class _SheetHandler(xml_parts.Handler):
    """Collects each `<row>`'s cells (only those present) and hands finished rows out."""

    def __init__(self, strings: list[str], dates: frozenset[int], epoch: datetime) -> None:
        super().__init__()
        self.strings, self.dates, self.epoch = strings, dates, epoch
        self.ready: list[tuple[int, list[Any]]] = []
        self.scanned = 0
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.column = 0
        self.kind, self.style, self.ref = "n", 0, ""
        self.text: list[str] | None = None
        self.length = 0
        self.inline = self.phonetic = 0

    def drain(self) -> Iterator[tuple[int, list[Any]]]:
        ready, self.ready = self.ready, []
        return iter(ready)

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        tag = xml_parts.local(name)
        if tag == "row":
            self._start_row(attrs.get("r"))
        elif tag == "c":
            self._start_cell(attrs)
        elif tag == "v" or (tag == "t" and self.inline and not self.phonetic):
            self.text = self.text if self.text is not None else []
        elif tag == "is":
            self.inline += 1
        elif tag == "rPh":
            self.phonetic += 1

    def characters(self, content: str) -> None:
        if self.text is not None:
            self.length += len(content)
            if self.length > limits.MAX_CELL_CHARS:
                raise ReportError(f"cell {self.ref or '?'} holds more than {limits.MAX_CELL_CHARS:,} characters")
            self.text.append(content)

    def endElement(self, name: str) -> None:
        tag = xml_parts.local(name)
        if tag == "c":
            self._end_cell()
        elif tag == "row":
            if self.cells:
                width = max(self.cells)
                self.ready.append((self.row_number, [self.cells.get(i) for i in range(1, width + 1)]))
            self.cells = {}
        elif tag == "is":
            self.inline -= 1
        elif tag == "rPh":
            self.phonetic -= 1

    def _start_row(self, number: str | None) -> None:
        self.scanned += 1
        if self.scanned > limits.MAX_SCANNED_ROWS:
            raise ReportError(f"the sheet has more than {limits.MAX_SCANNED_ROWS:,} rows (blank ones included); "
                              f"a report has at most {limits.MAX_ROWS:,}: split it")
        if number is None:
            self.row_number += 1
        elif number.isdigit() and 0 < int(number) <= MAX_ROW_NUMBER and len(number) <= 7:
            self.row_number = int(number)
        else:
            raise ReportError(f"the sheet has a row numbered {number[:20]!r}: not a workbook Excel wrote")
        self.column = 0

    def _start_cell(self, attrs: AttributesImpl) -> None:
        self.ref = attrs.get("r", "")[:16]
        match = _REF.fullmatch(self.ref)
        self.column = _letters(match.group(1)) if match else self.column + 1
        self.kind = attrs.get("t", "n")
        style = attrs.get("s", "0")
        self.style = int(style) if style.isdigit() and len(style) <= 9 else 0
        self.text, self.length = None, 0

    def _end_cell(self) -> None:
        value = self._value("".join(self.text) if self.text is not None else None)
        self.text = None
        if value is None or value == "":
            return
        if self.column > limits.MAX_COLUMNS:
            raise ReportError(f"cell {self.ref or column_name(self.column)} is beyond column "
                              f"{column_name(limits.MAX_COLUMNS)}; a report has at most {limits.MAX_COLUMNS} columns")
        self.cells[self.column] = value

    def _value(self, text: str | None) -> Any:
        if text is None:
            return None
        if self.kind == "s":
            index = int(text) if text.strip().isdigit() and len(text.strip()) <= 9 else -1
            if not 0 <= index < len(self.strings):
                raise ReportError(f"cell {self.ref} refers to a text the workbook does not have")
            shared = self.strings[index]
            if len(shared) > limits.MAX_CELL_CHARS:
                raise ReportError(f"cell {self.ref} holds more than {limits.MAX_CELL_CHARS:,} characters")
            return shared
        if self.kind in ("inlineStr", "str", "e", "d"):
            return text
        if self.kind == "b":
            return text.strip() == "1"
        return self._number(text.strip())

    def _number(self, text: str) -> Any:
        if not text:
            return None
        if not _NUMBER.fullmatch(text) or len(text) > 40:
            raise ReportError(f"cell {self.ref} is a number cell holding {text[:40]!r}: not a workbook Excel wrote")
        plain = text.lstrip("-").isdigit()
        number: int | float = int(text) if plain else float(text)
        if self.style in self.dates:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError, TypeError):
                return number  # not a date any calendar holds: the cell's reader says so
        return number


def _letters(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index
