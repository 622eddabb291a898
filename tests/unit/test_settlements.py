"""Settled exports: every documented example parses to exact integer fen; bad files are
refused with the line and reason; settled-vs-live comparison is exact."""

from pathlib import Path

import pytest
from openpyxl import Workbook

from services.reconcile.compare import compare
from services.reconcile.model import Live, Settled
from services.reconcile.parse import SettledRow, SettlementError, money_fen
from services.reconcile.run import load_settlement

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "settlements"

EXPECTED = {
    "douyin.csv": ("douyin", [
        SettledRow("douyin:2021-00000", "douyin", 1_234_560, 318, 402),
        SettledRow("douyin:2021-00003", "douyin", 880_050, 97, 130),
        SettledRow("douyin:2021-00008", "douyin", 0, 0, 0),
    ]),
    "taobao.csv": ("taobao", [
        SettledRow("taobao:2021-00017", "taobao", 399_900, 40, 52),
        SettledRow("taobao:2021-00025", "taobao", 105_000, 12, 12),
    ]),
    "channels.csv": ("channels", [SettledRow("channels:2021-00031", "channels", 1_234_560, 88, 96)]),
    "generic.csv": ("generic", [
        SettledRow("kuaishou:2021-00044", "kuaishou", 560_000, 31, 40),
        SettledRow("weishi:2021-00052", "weishi", 99, 1, 1),
    ]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_documented_examples_parse_exactly(name: str):
    assert load_settlement(EXAMPLES / name, None) == EXPECTED[name]
    assert sorted(p.name for p in EXAMPLES.glob("*.csv")) == sorted(EXPECTED)


def test_xlsx_export_with_number_cells(tmp_path: Path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["直播ID", "引导成交金额", "引导成交笔数", "引导成交件数"])
    sheet.append(["2021-1", 1234.56, 3, 4])
    sheet.append([None, None, None, None])
    sheet.append(["2021-2", 0.1, 1, 1])
    sheet.append(["2021-3", 90071992547.4, 1, 1])
    book.save(tmp_path / "tb.xlsx")
    fmt, rows = load_settlement(tmp_path / "tb.xlsx", None)
    assert fmt == "taobao"
    assert [(r.session_id, r.gmv_fen) for r in rows] == [
        ("taobao:2021-1", 123_456), ("taobao:2021-2", 10), ("taobao:2021-3", 9_007_199_254_740)]


def test_generic_format_with_platform_option(tmp_path: Path):
    path = tmp_path / "w.csv"
    path.write_text("session_id,gmv_fen,orders,units_sold\n2021-9,500,1,2\n", encoding="utf-8")
    assert load_settlement(path, "weishi") == ("generic", [SettledRow("weishi:2021-9", "weishi", 500, 1, 2)])


@pytest.mark.parametrize(("text", "unit", "fen"), [
    ("1,234.56", "yuan", 123_456), ("¥0.5", "yuan", 50), ("7", "yuan", 700), ("  12 ", "fen", 12),
])  # fmt: skip
def test_money(text: str, unit: str, fen: int):
    assert money_fen(text, unit) == fen


@pytest.mark.parametrize(("text", "unit"), [("1.234", "yuan"), ("1.5", "fen"), ("abc", "yuan"), ("-1", "fen")])
def test_bad_money(text: str, unit: str):
    with pytest.raises(ValueError):
        money_fen(text, unit)


def test_bad_file_is_refused_whole_with_every_line_named(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("场次ID,成交金额（元）,成交订单数,成交件数\na,1.001,1,1\nb,2,x,1\nc,3,1,1\n", encoding="utf-8")
    with pytest.raises(SettlementError, match=r"line 2: .*fractions of a fen.*line 3: .*'x' is not a whole number"):
        load_settlement(path, None)
    path.write_text("场次ID,成交金额（元）,成交订单数,成交件数\na,1,1,1\na,2,1,1\n", encoding="utf-8")
    with pytest.raises(SettlementError, match="more than once: douyin:a"):
        load_settlement(path, None)
    path.write_text("who,what\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unrecognised settlement columns"):
        load_settlement(path, None)


def test_compare_reports_exactly_what_differs():
    ids = ("douyin:a", "douyin:b", "douyin:c", "douyin:d")
    live = {sid: Live(sid, "douyin", "yingde", 10_000, 10, 12) for sid in ids}
    settled = [
        Settled("douyin:a", "douyin", 10_000 - 100, 10, 12, 100, "f"),  # within tolerance
        Settled("douyin:b", "douyin", 10_000 - 101, 10, 12, 100, "f"),  # beyond
        Settled("douyin:c", "douyin", 10_000, 9, 11, 100, "f"),  # counts differ
        Settled("douyin:x", "douyin", 1, 1, 1, 100, "f"),  # never seen live
    ]  # "douyin:d" is missing from the settlement
    found = compare(settled, live, covered_platforms=["douyin"])
    assert [(d.session_id, d.outcome, d.metrics) for d in found] == [
        ("douyin:b", "beyond_tolerance", ("gmv_fen",)),
        ("douyin:c", "beyond_tolerance", ("orders", "units_sold")),
        ("douyin:d", "not_settled", ()),
        ("douyin:x", "not_live", ()),
    ]
    assert found[0].delta("gmv_fen") == -101
