"""Streaming, defused XML for the parts of an xlsx. Pure.

Every part is fed chunk by chunk (as `archive` decompresses it) into defusedxml's expat
SAX parser with DTDs forbidden: no entity expansion (billion laughs), no external
entities, no document type at all (a workbook never has one). Handlers keep only what
they need, bounded, and never build a tree. Here: the small parts that say which sheet
comes first, which cell styles are dates, and the shared strings table.
"""

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from openpyxl.styles.numbers import is_date_format

from services.ingest.county import limits
from services.ingest.county.archive import Archive
from services.ingest.county.errors import ReportError

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
STYLES = "xl/styles.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
# Built-in number formats that show dates or times: 14-22 and 45-47 everywhere; 27-36 and
# 50-58 are the East Asian built-ins (年月日) that a Chinese Excel or WPS writes by id only.
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])


def local(name: str) -> str:
    """An element or attribute name without its namespace prefix (`x:row` -> `row`)."""
    return name.rpartition(":")[2]


class Handler(ContentHandler):
    """A SAX handler that may hand out results while the part is still being read."""

    def drain(self) -> Iterator[Any]:
        return iter(())


def parse(archive: Archive, name: str, cap: int, handler: Handler) -> Iterator[Any]:
    """Feed part `name` (at most `cap` bytes decompressed) through `handler`, yielding what
    it drains after each chunk; any XML fault or DTD is a ReportError."""
    parser = DefusedExpatParser(forbid_dtd=True)
    parser.setContentHandler(handler)
    try:
        for chunk in archive.stream(name, cap):
            parser.feed(chunk)
            yield from handler.drain()
        parser.close()
    except (SAXException, DefusedXmlException) as exc:
        raise ReportError(f"the .xlsx part {name} is not well-formed XML or uses a DTD "
                          f"({type(exc).__name__}: {str(exc)[:160]})") from None
    yield from handler.drain()


def run(archive: Archive, name: str, cap: int, handler: Handler) -> None:
    for _ in parse(archive, name, cap, handler):
        pass


@dataclass
class Book:
    """Which sheet is first (its part name) and the workbook's date system."""

    first_sheet: str
    date1904: bool


class _WorkbookHandler(Handler):
    def __init__(self) -> None:
        super().__init__()
        self.sheet_ids: list[str] = []
        self.date1904 = False

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        tag = local(name)
        if tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet":
            if len(self.sheet_ids) >= limits.MAX_SHEETS:
                raise ReportError(f"the workbook has more than {limits.MAX_SHEETS} sheets; the report is the first "
                                  "sheet: save it as a workbook of its own")
            rel = next((v for k, v in attrs.items() if local(k) == "id" and ":" in k), "")
            self.sheet_ids.append(rel)


class _RelsHandler(Handler):
    def __init__(self) -> None:
        super().__init__()
        self.targets: dict[str, str] = {}

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        if local(name) == "Relationship" and len(self.targets) < 4 * limits.MAX_SHEETS:
            self.targets[attrs.get("Id", "")] = attrs.get("Target", "")


def book(archive: Archive) -> Book:
    """The first sheet's part name and the date system, from the workbook and its relationships."""
    workbook, rels = _WorkbookHandler(), _RelsHandler()
    run(archive, WORKBOOK, limits.MAX_SMALL_PART, workbook)
    if not workbook.sheet_ids:
        raise ReportError("the workbook has no sheet")
    run(archive, WORKBOOK_RELS, limits.MAX_SMALL_PART, rels)
    target = rels.targets.get(workbook.sheet_ids[0], "")
    if not target:
        raise ReportError("the workbook does not say where its first sheet is (xl/_rels/workbook.xml.rels)")
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return Book(path, workbook.date1904)


class _StylesHandler(Handler):
    def __init__(self) -> None:
        super().__init__()
        self.custom: dict[int, str] = {}
        self.formats: list[int] = []  # cellXfs: style index -> number format id
        self._in_cell_xfs = False

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        tag = local(name)
        if tag == "numFmt":
            self.custom[_int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")[:256]
        elif tag == "cellXfs":
            self._in_cell_xfs = True
        elif tag == "xf" and self._in_cell_xfs:
            self.formats.append(_int(attrs.get("numFmtId", "0")))

    def endElement(self, name: str) -> None:
        if local(name) == "cellXfs":
            self._in_cell_xfs = False


def date_styles(archive: Archive) -> frozenset[int]:
    """The cell style indexes (a cell's `s`) whose number format shows a date or time."""
    if not archive.has(STYLES):
        return frozenset()
    styles = _StylesHandler()
    run(archive, STYLES, limits.MAX_SMALL_PART, styles)
    dated: Callable[[int], bool] = lambda fmt: fmt in _DATE_FORMAT_IDS or (  # noqa: E731
        fmt in styles.custom and is_date_format(styles.custom[fmt]))
    return frozenset(index for index, fmt in enumerate(styles.formats) if dated(fmt))


class _SharedStringsHandler(Handler):
    def __init__(self) -> None:
        super().__init__()
        self.strings: list[str] = []
        self.chars = 0
        self._parts: list[str] | None = None
        self._text = False
        self._phonetic = 0

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        tag = local(name)
        if tag == "si":
            if len(self.strings) >= limits.MAX_SHARED_STRINGS:
                raise ReportError(f"the workbook has more than {limits.MAX_SHARED_STRINGS:,} distinct texts")
            self._parts = []
        elif tag == "rPh":  # phonetic guide (furigana): not part of the cell's text
            self._phonetic += 1
        elif tag == "t" and self._parts is not None and not self._phonetic:
            self._text = True

    def characters(self, content: str) -> None:
        if self._text and self._parts is not None:
            self._parts.append(content)
            self.chars += len(content)
            if self.chars > limits.MAX_SHARED_CHARS:
                raise ReportError(f"the workbook's texts hold more than {limits.MAX_SHARED_CHARS:,} characters")

    def endElement(self, name: str) -> None:
        tag = local(name)
        if tag == "t":
            self._text = False
        elif tag == "rPh":
            self._phonetic -= 1
        elif tag == "si" and self._parts is not None:
            self.strings.append("".join(self._parts))
            self._parts = None


def shared_strings(archive: Archive) -> list[str]:
    """The shared strings table (cells of type `s` index it); long texts are refused where
    a cell uses them, so that a text no cell shows costs nothing but its bounded bytes."""
    if not archive.has(SHARED_STRINGS):
        return []
    handler = _SharedStringsHandler()
    run(archive, SHARED_STRINGS, limits.MAX_SHARED_STRINGS_XML, handler)
    return handler.strings


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 9 else -1
