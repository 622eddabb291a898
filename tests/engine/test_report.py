"""`livefest report`: every number in the workbook (read back with openpyxl) and in the
CSV files against the truth computed from the contract, for the whole festival and for a
period cut in the middle of sessions and across midnight."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from kernel import semantics
from kernel.clickhouse import Store
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS
from schemas.topic_stats import TopicStats
from services.aggregator.rows import TOPIC_STATS_COLUMNS, topic_stats_row
from services.report.html import render_html
from services.report.model import Period, Report
from services.report.names import COUNTY_NAMES, PLATFORM_NAMES, SPECIAL_NAMES, categories_zh
from services.report.run import WRITERS, make_report
from tests.engine.test_api_figures import insert
from tests.support import report_truth as truth
from tests.support.hashtag_scenario import messy_readings
from tests.support.report_files import csv_rows, xlsx_rows
from tests.support.scenario import START, Scenario, messy

pytestmark = pytest.mark.engine

PERIODS = {
    "whole": Period(),
    "cut": Period(START + timedelta(minutes=5), START + timedelta(minutes=12)),  # across midnight
}


def insert_readings(store: Store, readings: list[TopicStats]) -> None:
    rows = [topic_stats_row(r, 0, offset, datetime.now(UTC)) for offset, r in enumerate(readings)]
    store.insert("topic_stats", rows, TOPIC_STATS_COLUMNS)


def expected_cells(group: dict[str, Any]) -> dict[str, Any]:
    cells = {k: group[k] for k in ("sessions", "products", "kinds", "viewers_total", "peak_viewers_online",
                                   "units_sold", "orders", "settled_sessions")}
    cells["categories"] = categories_zh(group["category_codes"])
    cells["gmv_yuan"] = group["gmv_fen"]
    cells["refund_yuan"] = group["refund_fen"]
    for key in ("hashtag_target", "hashtag_reads"):
        if key in group:
            cells[key] = group[key]
    if "hashtag_progress_bp" in group:
        cells["hashtag_progress_pct"] = group["hashtag_progress_bp"]
    return cells


def check_named_view(rows: list[dict[str, Any]], total: dict[str, Any], name_key: str,
                     codes: tuple[str, ...], names: dict[str, tuple[str, str]], expected: dict[str, Any]) -> None:
    assert [r[name_key] for r in rows] == [names[c][0] for c in codes]
    for code, row in zip(codes, rows, strict=True):
        want = expected_cells(expected[code])
        assert {k: row[k] for k in want} == want, (name_key, code)
    want = expected_cells(expected["total"])
    assert {k: total[k] for k in want} == want, (name_key, "total")


def check_report(read_rows: Any, report: Report, scenario: Scenario, readings: list[TopicStats],
                 period: Period, settled: dict[str, tuple[int, int, int]] | None = None) -> None:
    sessions = truth.session_rows(scenario.records, period.start, period.end, settled)
    rows, total = read_rows(report.table("by_county"))
    check_named_view(rows, total, "county", COUNTIES, COUNTY_NAMES, truth.by_county(sessions))
    rows, total = read_rows(report.table("by_platform"))
    check_named_view(rows, total, "platform", PLATFORMS, PLATFORM_NAMES, truth.by_platform(sessions))
    rows, total = read_rows(report.table("by_special"))
    specials = truth.by_special(sessions, readings, period.end)
    check_named_view(rows, total, "special", (*SPECIALS, ""), SPECIAL_NAMES, specials)
    assert rows[-1]["hashtag_target"] is None  # ordinary broadcasts have no target

    rows, total = read_rows(report.table("by_day"))
    days = truth.by_day(scenario.records, period.start, period.end, sessions)
    assert len(days) == 2  # both fixtures span midnight
    got = {r["day"]: {k: v for k, v in r.items() if k != "day"} for r in rows}
    assert got == {d: {**{k: v for k, v in e.items() if k not in ("gmv_fen", "refund_fen")},
                       "gmv_yuan": e["gmv_fen"], "refund_yuan": e["refund_fen"]} for d, e in days.items()}
    for key in ("sessions", "viewers_total", "units_sold", "orders", "gmv_yuan", "settled_sessions"):
        assert total[key] == sum(r[key] for r in rows)

    rows, _ = read_rows(report.table("top_sessions"))
    ranked = sorted(sessions.values(), key=lambda s: (-int(s["gmv_fen"]), s["session_id"]))[:20]
    assert [r["session_id"] for r in rows] == [s["session_id"] for s in ranked]
    for row, want in zip(rows, ranked, strict=True):
        assert (row["gmv_yuan"], row["refund_yuan"], row["orders"], row["units_sold"], row["viewers_total"],
                row["peak_viewers_online"], row["products"]) == (
            want["gmv_fen"], want["refund_fen"], want["orders"], want["units_sold"], want["viewers_total"],
            want["peak_viewers_online"], want["products"])
        assert row["settled"] == ("是 yes" if want["settled"] else "否 no")


@pytest.fixture
def festival(store: Store) -> tuple[Scenario, list[TopicStats]]:
    scenario = messy(seed=31, sessions=27, polls=30)
    insert(store, scenario)
    readings = messy_readings(seed=5, polls=20)
    insert_readings(store, readings)
    return scenario, readings


@pytest.mark.parametrize("which", sorted(PERIODS))
def test_xlsx_and_csv_hold_exactly_the_contract_figures(
    store: Store, festival: tuple[Scenario, list[TopicStats]], tmp_path: Path, which: str
):
    scenario, readings = festival
    period = PERIODS[which]
    report = make_report(store, period)
    book = WRITERS["xlsx"](report, tmp_path / "report.xlsx")
    folder = WRITERS["csv"](report, tmp_path / "csv")
    check_report(lambda table: xlsx_rows(book, table), report, scenario, readings, period)
    check_report(lambda table: csv_rows(folder / f"{table.key}.csv", table), report, scenario, readings, period)
    assert {p.name for p in folder.iterdir()} == {f"{t.key}.csv" for t in report.tables} | {"meta.csv"}


def test_workbook_layout_officials_can_forward(store: Store, festival: Any, tmp_path: Path):
    report = make_report(store, Period())
    book = load_workbook(WRITERS["xlsx"](report, tmp_path / "r.xlsx"))
    assert [ws.title for ws in book.worksheets] == [
        "按区县 By county", "按专场 By special", "按平台 By platform", "按日 By day", "成交前20场 Top 20 sessions"]
    ws = book["按区县 By county"]
    assert "成绩汇总" in ws["A1"].value
    assert ws["A2"].value.startswith("统计期间 Period")
    assert ws["A3"].value.startswith("数据截至 Figures as of: 2021-10-2")
    assert ws["A5"].value == "区县" and ws["A6"].value == "County"
    assert ws.column_dimensions["A"].width >= 2 * len("连山壮族瑶族自治县")  # wide characters fit
    assert ws.cell(row=16, column=1).font.bold  # the total row after the nine units


def test_html_is_offline_and_shows_the_same_tables(store: Store, festival: Any):
    report = make_report(store, Period())
    page = render_html(report)
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert page.count("<svg") == 3 and page.count("<table>") == len(report.tables)
    total_gmv = report.table("by_county").total[report.table("by_county").columns.index(  # type: ignore[index]
        next(c for c in report.table("by_county").columns if c.key == "gmv_yuan"))]
    fen = int(str(total_gmv))
    assert f"{fen // 100:,}.{fen % 100:02d}" in page


@pytest.mark.parametrize("which", sorted(PERIODS))
def test_viewers_curve_matches_the_contract(store: Store, festival: tuple[Scenario, list[TopicStats]], which: str):
    scenario, _ = festival
    curve = make_report(store, PERIODS[which]).viewers_curve
    assert len(curve) >= 5
    step = curve[1][0] - curve[0][0]
    assert step.total_seconds() % 60 == 0
    # Each point is the peak of the contract's minute-by-minute online figure in its interval.
    minute = timedelta(minutes=1)
    per_step = int(step / minute)
    minutes = semantics.timeseries(scenario.snapshots, "viewers_online", curve[0][0], minute,
                                   len(curve) * per_step, at=scenario.watermark)
    # The last interval stops at the period's end (minutes after the watermark are 0 anyway).
    end = PERIODS[which].end
    minutes = [(t, v) for t, v in minutes if end is None or t < end]
    expected = [(t, max(v for _, v in minutes[i : i + per_step])) for i, (t, _) in
                enumerate(minutes) if i % per_step == 0]
    assert curve == expected  # every point, the last one too
    assert any(value > 0 for _, value in curve)
    if end is None:  # the whole festival: the curve reaches the watermark
        assert curve[0][0] <= scenario.watermark < curve[-1][0] + step
