"""County reports (schemas/county_reports/): the example files and every kind of bad row,
through the pure parsing and checks, with literal expectations."""

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from services.ingest.county import ReportError, foreign_rows, parse_report
from services.ingest.county.cells import fen

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "county_reports"
NOW = datetime(2021, 11, 14, 12, 0, tzinfo=UTC)
HEADER = ("县区,平台,直播间ID,场次ID,专场,数据时间,状态,在线人数,累计观看人数,成交订单数,成交件数,"
          "成交金额（元）,直播商品数,商品品类")


def csv(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join((header, *rows)).encode()


def wire(data: bytes) -> list[dict[str, Any]]:
    report = parse_report(data, NOW)
    assert report.problems == []
    return [s.to_wire() for s in report.snapshots]


def problems(data: bytes) -> list[tuple[int, str | None, str]]:
    return [(p.row, p.column, p.problem) for p in parse_report(data, NOW).problems]


EXPECTED_EXAMPLE = [
    {"platform": "douyin", "session_id": "douyin:7026591234567890001", "room_id": "dy-yingde-hongcha",
     "county": "yingde", "special": "rural", "observed_at": "2021-10-25T21:00:00+08:00", "status": "live",
     "viewers_online": 1520, "viewers_total": 20433, "orders": 311, "units_sold": 402, "gmv_fen": 5843210,
     "products_listed": 24, "categories": ["agri", "travel"], "source": "county_report"},
    {"platform": "douyin", "session_id": "douyin:7026591234567890001", "room_id": "dy-yingde-hongcha",
     "county": "yingde", "special": "rural", "observed_at": "2021-10-25T23:30:00+08:00", "status": "ended",
     "viewers_online": 0, "viewers_total": 90121, "orders": 1290, "units_sold": 1702, "gmv_fen": 25843200,
     "products_listed": 30, "categories": ["agri", "travel"], "source": "county_report"},
    {"platform": "miniprogram", "session_id": "miniprogram:yd-mp-20211025", "room_id": "39", "county": "yingde",
     "special": "rural", "observed_at": "2021-10-25T23:10:00+08:00", "status": "ended", "viewers_online": 0,
     "viewers_total": 2000, "orders": 80, "units_sold": 95, "gmv_fen": 1000001, "products_listed": 14,
     "categories": ["agri"], "source": "county_report"},
    {"platform": "taobao", "session_id": "taobao:330123456789", "room_id": "tb-yingde-0001", "county": "yingde",
     "special": None, "observed_at": "2021-10-26T22:00:00+08:00", "status": "ended", "viewers_online": 0,
     "viewers_total": 5210, "orders": 131, "units_sold": 167, "gmv_fen": 2101890, "products_listed": 35,
     "categories": ["apparel", "beauty"], "source": "county_report"},
    {"platform": "kuaishou", "session_id": "kuaishou:5201314000777", "room_id": "ks-yingde-0007",
     "county": "yingde", "special": "fashion", "observed_at": "2021-11-11T21:15:00+08:00", "status": "live",
     "viewers_online": 88, "viewers_total": 1312, "orders": 17, "units_sold": 19, "gmv_fen": 123450,
     "products_listed": 12, "categories": ["beauty", "jewelry"], "source": "county_report"},
]


@pytest.mark.parametrize("name", ["example.csv", "example.xlsx"])
def test_example_files(name: str):
    got = wire((EXAMPLES / name).read_bytes())
    assert [{k: v for k, v in s.items() if k != "schema"} for s in got] == EXPECTED_EXAMPLE


@pytest.mark.parametrize("name", ["template.csv", "template.xlsx"])
def test_blank_templates_have_the_header_and_no_rows(name: str):
    with pytest.raises(ReportError, match="no rows"):
        parse_report((EXAMPLES / name).read_bytes(), NOW)


def test_every_bad_row_is_listed_with_each_problem():
    data = csv(
        "英德市,抖音,r1,s1,,2021-10-25 21:00:00,直播中,10,100,5,6,12.345,3,农产品",
        "火星,抖音,r2,s2,,2021-10-25 21:00:00,直播中,10,100,5,6,12.34,3,",
        "英德市,拼多多,r3,s3,,25/10/2021,休息,x,100,-5,6,-1,3,",
        "英德市,抖音,r4,s4,,2021-10-25 21:00:00,直播中,,100,5,6,12,3,水果",
        "英德市,抖音,,,,,已结束,,,,,,,",
        "英德市,抖音,r6,s6,,2030-01-01 00:00:00,已结束,,100,5,6,12,3,",
        "英德市,抖音,r 7,s7,,2021-10-25 21:00:00,已结束,,100,5,6,12,3,",
    )
    assert problems(data) == [
        (2, "成交金额（元）", "has more than 2 decimals: yuan are written to the fen (0.01)"),
        (3, "县区", "is not one of: 清远市、清城区、清新区、英德市、连州市、佛冈县、阳山县、连山壮族瑶族自治县、"
                  "连南瑶族自治县 (or city, qingcheng, qingxin, yingde, lianzhou, fogang, yangshan, lianshan, "
                  "liannan)"),
        (4, "平台", "is not one of: 抖音、淘宝、微视、视频号、爱逛、一直播、小程序、快手 "
                  "(or douyin, taobao, weishi, channels, aiguang, yizhibo, miniprogram, kuaishou)"),
        (4, "数据时间", "is not a time like 2021-10-23 20:15:00 (Beijing time)"),
        (4, "状态", "is not one of: 直播中、已结束 (or live, ended)"),
        (4, "在线人数", "is not a whole number ≥ 0"),
        (4, "成交订单数", "is not a whole number ≥ 0"),
        (4, "成交金额（元）", "is not an amount of yuan ≥ 0"),
        (5, "在线人数", "is required while the session is 直播中"),
        (5, "商品品类", "names unknown categories (水果); use: "
                      "农产品、服装、家具、美妆、珠宝、电器、电子产品、汽车、旅游、其他"),
        (6, "直播间ID", "is required"),
        (6, "场次ID", "is required"),
        (6, "数据时间", "is required"),
        (6, "累计观看人数", "is required"),
        (6, "成交订单数", "is required"),
        (6, "成交件数", "is required"),
        (6, "成交金额（元）", "is required"),
        (6, "直播商品数", "is required"),
        (7, "数据时间", "is not a time the figures can have been read (after 2000, not in the future)"),
        (8, "直播间ID", "is not valid for room_id: String should match pattern '^[A-Za-z0-9:_.\\-]+$'"),
    ]
    assert parse_report(data, NOW).snapshots == []


def test_a_session_once_per_time_and_with_one_attribution():
    data = csv(
        "英德市,抖音,r1,s1,,2021-10-25 21:00:00,已结束,,100,5,6,12,3,",
        "英德市,抖音,r1,s1,,2021-10-25 21:00:00,已结束,,101,5,6,12,3,",
        "连州市,抖音,r1,s1,,2021-10-25 22:00:00,已结束,,102,5,6,12,3,",
    )
    assert problems(data) == [
        (3, "数据时间", "repeats row 2: one session has one row per 数据时间"),
        (4, None, "gives this session another 县区, 直播间ID or 专场 than row 2"),
    ]


def test_header_must_be_the_templates():
    with pytest.raises(ReportError, match="missing columns: 成交金额（元）.*unknown columns: 成交金额"):
        parse_report(csv("x", header=HEADER.replace("成交金额（元）", "成交金额")), NOW)
    # Typed with ASCII parentheses and spaces: still the template's header.
    assert len(wire(csv("英德市,抖音,r1,s1,,2021-10-25 21:00:00,已结束,,1,1,1,1,1,",
                        header=HEADER.replace("成交金额（元）", " 成交金额(元) ")))) == 1


def test_csv_saved_by_chinese_excel_is_gb18030():
    data = csv("英德市,抖音,r1,s1,乡村振兴,2021-10-25 21:00,已结束,,100,5,6,88.8,3,农产品").decode().encode("gb18030")
    assert [(s["county"], s["special"], s["gmv_fen"], s["observed_at"]) for s in wire(data)] == [
        ("yingde", "rural", 8880, "2021-10-25T21:00:00+08:00")]


def xlsx(*rows: list[Any]) -> bytes:
    book = Workbook()
    book.active.append(HEADER.split(","))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_number_cells_are_read_through_their_decimal_text():
    ok = ["英德市", "抖音", 39, 7026591234567890, None, datetime(2021, 10, 25, 21, 0), "已结束", None, 100, 5, 6, 0.29,
          3, None]
    # 0.29 is 0.28999999999999998 in binary (float arithmetic gives 28 fen); 12.345 has a fraction of a fen;
    # a 19-digit id typed as a number was rounded by the spreadsheet.
    noisy = [*ok[:3], 7026591234567891, *ok[4:11], 12.345, *ok[12:]]
    rounded = [*ok[:3], 7.026591234567890e18, *ok[4:]]
    report = parse_report(xlsx(ok, noisy, rounded), NOW)
    assert [(s.room_id, s.session_id, s.gmv_fen) for s in report.snapshots] == [
        ("39", "douyin:7026591234567890", 29)]
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (3, "成交金额（元）", "12.345"), (4, "场次ID", "7.02659123456789e+18")]


@given(st.integers(min_value=0, max_value=2**53 - 1))
def test_yuan_with_two_decimals_is_exact_fen(amount: int):
    yuan, cents = divmod(amount, 100)
    assert fen(f"{yuan}.{cents:02d}") == amount
    assert fen(f"{yuan:,}.{cents:02d}") == amount


def test_a_county_key_reports_its_own_county_only():
    report = parse_report(csv("英德市,抖音,r1,s1,,2021-10-25 21:00:00,已结束,,1,1,1,1,1,",
                              "连州,抖音,r2,s2,,2021-10-25 21:00:00,已结束,,1,1,1,1,1,",
                              "清远市,抖音,r3,s3,,2021-10-25 21:00:00,已结束,,1,1,1,1,1,"), NOW)
    assert [(p.row, p.value) for p in foreign_rows(report, "yingde")] == [(3, "lianzhou"), (4, "city")]
    assert foreign_rows(report, "all") == foreign_rows(report, None) == []
