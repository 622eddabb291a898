"""Back offices' own exports read through a column mapping (issue 22, point 7): a shipped
mapping chosen by the header, a county's own mapping (fen, net GMV), the county from the
uploader's scope, and mappings that are refused. Expected figures are the rows' own
numbers converted by hand."""

from datetime import UTC, datetime

import pytest

from services.ingest.county import ReportError, load_mapping, mapping_by_name, parse_report
from services.ingest.county.mapping import shipped

NOW = datetime(2021, 11, 14, 12, 0, tzinfo=UTC)
DOUYIN = ("统计日期,直播间ID,直播间名称,直播开始时间,直播结束时间,直播时长,累计观看人数,直播间成交订单数,"
          "直播间成交件数,直播间成交金额,直播间退款金额,千次观看成交金额\n"
          "2021-10-25,7000123,英德红茶,2021-10-25 19:00:00,2021-10-25 23:10:00,250,90121,1290,1702,"
          "\"258,432.00\",\"1,200.50\",2867.6\n"
          "2021-10-26,7000123,英德红茶,2021/10/26 19:30:00,2021/10/26 21:00:00,90,100,1,2,0.29,0,2.9\n")


def test_every_shipped_mapping_loads_and_the_template_comes_first():
    names = [m.name for m in shipped()]
    assert names[0] == "livefest-template"
    assert set(names) == {"livefest-template", "douyin-compass-live", "taobao-live-console", "kuaishou-shop-live",
                          "channels-assistant-live"}
    assert all(m.source for m in shipped())


def test_a_douyin_compass_export_is_read_with_its_mapping_and_the_keys_county():
    report = parse_report(DOUYIN.encode(), NOW, scope="yingde")
    assert report.problems == [] and report.mapping == "douyin-compass-live"
    assert set(report.ignored_columns) == {"统计日期", "直播间名称", "直播时长", "千次观看成交金额"}
    got = [(s.session_id, s.room_id, s.county, s.status, s.observed_at.isoformat(), s.gmv_fen, s.refund_fen,
            s.orders, s.units_sold, s.viewers_total, s.products_listed) for s in report.snapshots]
    assert got == [
        ("douyin:7000123-202110251900", "7000123", "yingde", "ended", "2021-10-25T23:10:00+08:00", 25843200, 120050,
         1290, 1702, 90121, 0),
        ("douyin:7000123-202110261930", "7000123", "yingde", "ended", "2021-10-26T21:00:00+08:00", 29, 0, 1, 2, 100,
         0),
    ]


def test_an_export_without_a_county_needs_a_county_key():
    report = parse_report(DOUYIN.encode(), NOW, scope=None)
    assert {(p.row, p.column) for p in report.problems} == {(2, "县区"), (3, "县区")}
    assert "county key" in report.problems[0].problem and report.snapshots == []


COUNTY_OWN = """
schema = "livefest.county_mapping.v1"
name = "yingde-mp-ledger"
title = "英德 小程序直播 台账"
source = "the park's own ledger"
platform = "miniprogram"
money_unit = "fen"
gmv_basis = "net"
time_formats = ["%Y%m%d %H%M"]

[columns]
session_id = "场次"
room_id = "房间"
observed_at = "统计时间"
viewers_total = "观看"
orders = "单数"
units_sold = "件数"
gmv = "净销售额(分)"
refund = "退款(分)"
special = "专场"

[defaults]
status = "ended"
products_listed = 0
county = "yingde"
"""


def test_a_county_supplied_mapping_reads_fen_and_turns_net_into_gross():
    data = ("场次,房间,统计时间,观看,单数,件数,净销售额(分),退款(分),专场\n"
            "mp-1,39,20211025 2310,2000,80,95,999901,100,乡村振兴\n")
    report = parse_report(data.encode(), NOW, scope="yingde", mapping=load_mapping(COUNTY_OWN.encode()))
    assert report.problems == [] and report.mapping == "yingde-mp-ledger"
    (s,) = report.snapshots
    assert (s.session_id, s.county, s.special, s.gmv_fen, s.refund_fen, s.observed_at.isoformat()) == (
        "miniprogram:mp-1", "yingde", "rural", 1000001, 100, "2021-10-25T23:10:00+08:00")


def test_a_named_mapping_is_used_even_where_another_would_fit():
    with pytest.raises(ReportError, match="does not fit the mapping 'taobao-live-console'.*missing columns: 直播ID"):
        parse_report(DOUYIN.encode(), NOW, scope="yingde", mapping=mapping_by_name("taobao-live-console"))


@pytest.mark.parametrize("text, match", [
    ('schema = "livefest.county_mapping.v1"\nname = "x"\ntitle = "t"\n[columns]\ngmv = "a"', "does not say where"),
    ('schema = "livefest.county_mapping.v1"\nname = "x"\ntitle = "t"\n__import__ = "os"\n[columns]\n', "Extra inputs"),
    ("[[[[[[[[", "neither TOML nor JSON"),
    ("{" * 100_000, "larger than 64 KB"),
    ('{"schema": "livefest.county_mapping.v1", "name": "Bad Name!", "title": "t", "columns": {}}', "name"),
    ('schema = "livefest.county_mapping.v1"\nname = "x"\ntitle = "t"\ntime_formats = ["%c"]\n[columns]\n', "%Y"),
])
def test_bad_mappings_are_refused_saying_why(text: str, match: str):
    with pytest.raises(ReportError, match=match):
        load_mapping(text.encode(), "the mapping part")


def test_a_header_no_mapping_fits_names_the_closest_and_how_to_supply_one():
    with pytest.raises(ReportError, match="fits no known export; closest is 'douyin-compass-live'.*"
                                          "missing columns: 直播间成交金额.*mappings/README.md"):
        parse_report(DOUYIN.replace("直播间成交金额,", "GMV,").encode(), NOW, scope="yingde")
