"""No county-report file can break the parser (issue 22, points 3 and 5): hostile xlsx
(the dimension bomb, zip bombs, entity expansion, truncated archives and XML, huge cells,
too many sheets), malformed CSV and money in scientific notation, each refused with a
message, within bounded memory (tracemalloc of the parse), and fuzzed with hypothesis."""

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.county import Report, ReportError, parse_report
from services.ingest.county.limits import MAX_ROWS
from tests.support import bombs

NOW = datetime(2021, 11, 14, 12, 0, tzinfo=UTC)
HEADER = ",".join(bombs.HEADER)
MB = 1024 * 1024


def parsed_within(data: bytes, megabytes: float) -> Report | ReportError:
    """The parse's outcome (a Report, or the ReportError it raised), asserting that the
    Python memory it allocated at its peak stayed under `megabytes`."""
    tracemalloc.start()
    try:
        try:
            outcome: Report | ReportError = parse_report(data, NOW)
        except ReportError as exc:
            outcome = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < megabytes * MB, f"the parse allocated {peak / MB:.1f} MB at its peak"
    return outcome


def refused(data: bytes, match: str, megabytes: float = 16) -> str:
    outcome = parsed_within(data, megabytes)
    assert isinstance(outcome, ReportError), f"accepted: {outcome}"
    assert match in str(outcome), str(outcome)
    return str(outcome)


@pytest.mark.parametrize("make, match", [
    (bombs.dimension_bomb, "beyond column IV"),
    (bombs.entity_bomb, "DTD"),
    (bombs.external_entity, "DTD"),
    (bombs.truncated_archive, "truncated"),
    (bombs.truncated_sheet_xml, "not well-formed XML"),
    (bombs.huge_cell, "holds more than 2,000 characters"),
    (bombs.many_sheets, "more than 64 sheets"),
    (bombs.not_an_xlsx_zip, "lacks its part xl/workbook.xml"),
    (lambda: b"PK\x03\x04" + b"\x00junk" * 100, "not a zip archive"),
    (lambda: b"", "empty"),
    (lambda: b"   \n\n", "empty"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "old binary .xls"),
    (lambda: HEADER.encode("utf-16"), "UTF-16"),
    (lambda: b"\x00\x01 not a report", "NUL"),
], ids=["dimension", "billion-laughs", "external-entity", "truncated-archive", "truncated-xml", "huge-cell",
        "many-sheets", "zip-not-xlsx", "pk-junk", "empty", "blank", "xls", "utf16", "binary"])
def test_hostile_files_are_refused_with_a_message(make: Callable[[], bytes], match: str):
    refused(make(), match)


def test_the_dimension_bomb_with_its_cell_in_column_a_is_one_bad_row_not_a_million():
    data = bombs.workbook(bombs.sheet(bombs.row(1, bombs.HEADER) + '<row r="1048576"><c r="A1048576"><v>1</v></c>'
                                      "</row>", dimension='<dimension ref="A1:XFD1048576"/>'))
    report = parsed_within(data, 8)
    assert isinstance(report, Report)
    assert [r.number for r in report.rows] == [1048576] and report.snapshots == []
    assert (report.problems[0].row, report.problems[0].column, report.problems[0].value) == (1048576, "县区", "1")


def test_a_zip_bomb_is_stopped_while_it_decompresses():
    data = bombs.zip_bomb(megabytes=64)
    assert len(data) < 200_000  # 64 MB of XML in a file of a few KB
    refused(data, "zip bomb")


def test_a_sheet_of_a_hundred_thousand_blank_rows_is_refused_for_its_length():
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 100_003))
    refused(bombs.workbook(bombs.sheet(bombs.row(1, bombs.HEADER) + rows)), "more than 100,000 rows")


def test_more_rows_than_the_limit_stop_the_read():
    data = "\n".join([HEADER] + [",".join(bombs.ROW)] * (MAX_ROWS + 1)).encode()
    refused(data, "more than 10,000 rows", megabytes=64)


def test_csv_cells_and_columns_are_bounded():
    refused(f"{HEADER}\n{'x' * 3000},抖音".encode(), "holds 3,000 characters")
    refused(f"{HEADER}\n{'1,' * 300}".encode(), "at most 256")
    refused(f"{HEADER}\n\"{'x' * 200_000}".encode(), "cannot be read")


@pytest.mark.parametrize("amount, problem", [
    ("1e30", "scientific notation"), ("1E+5", "scientific notation"), ("1.5E3", "scientific notation"),
    ("NaN", "is not an amount of yuan"), ("Infinity", "is not an amount of yuan"), ("-inf", "is not an amount"),
    ("1" * 40, "is out of range"), ("0.001", "more than 2 decimals"), ("1,00.00", "is not an amount of yuan"),
    ("1万", "is not an amount of yuan"),
])
def test_money_written_other_than_in_full_is_a_row_problem(amount: str, problem: str):
    row = list(bombs.ROW)
    row[11] = f'"{amount}"'
    report = parsed_within(f"{HEADER}\n{','.join(row)}".encode(), 4)
    assert isinstance(report, Report) and report.snapshots == []
    assert [(p.column, p.value) for p in report.problems] == [("成交金额（元）", amount)]
    assert problem in report.problems[0].problem


@pytest.mark.parametrize("number", ["1E+30", "NaN", "1e400", "-1"])
def test_an_xlsx_number_cell_of_any_size_is_a_row_problem(number: str):
    cells = "".join(bombs.cell(f"{chr(65 + i)}2", v) for i, v in enumerate(bombs.ROW[:11]) if v)
    sheet = bombs.sheet(bombs.row(1, bombs.HEADER) + f'<row r="2">{cells}<c r="L2"><v>{number}</v></c>'
                        f'<c r="M2"><v>3</v></c></row>')
    outcome = parsed_within(bombs.workbook(sheet), 4)
    if isinstance(outcome, ReportError):  # not a number Excel writes: the file is refused
        assert "number cell" in str(outcome)
    else:
        assert outcome.snapshots == [] and [p.column for p in outcome.problems] == ["成交金额（元）"]


def test_a_valid_minimal_xlsx_is_read():
    report = parsed_within(bombs.valid(), 4)
    assert isinstance(report, Report) and report.problems == []
    assert [(s.session_id, s.gmv_fen) for s in report.snapshots] == [("douyin:s1", 1230)]


def test_csv_encodings_utf8_with_and_without_bom_and_gb18030():
    text = f"{HEADER}\n{','.join(bombs.ROW)}"
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("gb18030")):
        report = parse_report(data, NOW)
        assert [(s.county, s.gmv_fen) for s in report.snapshots] == [("yingde", 1230)]


def mutated(data: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        out[position % len(out)] = value
    return bytes(out[: max(1, len(out) - cut)])


VALID_XLSX = bombs.valid()
VALID_CSV = f"{HEADER}\n{','.join(bombs.ROW)}\n{','.join(bombs.ROW).replace('s1', 's2')}".encode()
EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome_is_bounded(data: bytes) -> None:
    """The property: a Report (accepted or with row problems) or a ReportError (4xx), never
    any other exception (a 5xx), and never more than 24 MB allocated at the peak."""
    outcome = parsed_within(data, 24)
    assert isinstance(outcome, Report | ReportError)


@FUZZ
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes(data: bytes):
    outcome_is_bounded(data)


@FUZZ
@given(EDITS, st.integers(0, 400))
def test_fuzz_mutated_xlsx(edits: list[tuple[int, int]], cut: int):
    outcome_is_bounded(mutated(VALID_XLSX, edits, cut))


@FUZZ
@given(EDITS, st.integers(0, 60))
def test_fuzz_mutated_csv(edits: list[tuple[int, int]], cut: int):
    outcome_is_bounded(mutated(VALID_CSV, edits, cut))


@FUZZ
@given(st.lists(st.text(max_size=30), min_size=1, max_size=16))
def test_fuzz_a_row_of_arbitrary_cells_in_the_template(cells: list[str]):
    row = ",".join('"' + c.replace('"', '""') + '"' for c in cells)
    outcome_is_bounded(f"{HEADER}\n{row}".encode())


@FUZZ
@given(st.sampled_from(["sheet", "strings"]), st.binary(min_size=1, max_size=2048))
def test_fuzz_arbitrary_xml_parts_in_a_valid_archive(part: str, xml: bytes):
    if part == "sheet":
        data = bombs.workbook(xml)
    else:
        data = bombs.workbook(bombs.sheet(bombs.row(1, bombs.HEADER)), extra={"xl/sharedStrings.xml": xml})
    outcome_is_bounded(data)


def test_stored_parts_are_bounded_like_deflated_ones():
    # ZIP_STORED: no compression, so only the absolute caps apply (and the 10 MB body).
    data = bombs.workbook(bombs.sheet(bombs.row(1, bombs.HEADER) + bombs.row(2, bombs.ROW)),
                          compression=zipfile.ZIP_STORED)
    report = parsed_within(data, 4)
    assert isinstance(report, Report) and len(report.snapshots) == 1
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
