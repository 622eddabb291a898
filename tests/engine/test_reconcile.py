"""`livefest reconcile`: planted differences in settled exports (CSV and xlsx) are found
exactly, the settled figures are stored idempotently and become the official ones in the
report, which lists the differences on its reconciliation sheet."""

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from kernel.clickhouse import Store
from services.reconcile import queries as reconcile_queries
from services.reconcile.run import reconcile
from services.report.formatting import yuan
from services.report.model import Period
from services.report.run import WRITERS, make_report
from tests.engine.test_api_figures import insert
from tests.engine.test_report import PERIODS, check_report, insert_readings
from tests.support.hashtag_scenario import messy_readings
from tests.support.report_files import csv_rows, xlsx_rows
from tests.support.scenario import Scenario, messy

pytestmark = pytest.mark.engine
TOLERANCE = 100


def own_id(session_id: str) -> str:
    return session_id.split(":", 1)[1]


def plant(scenario: Scenario, tmp_path: Path) -> tuple[Path, Path, dict[str, tuple[int, int, int]]]:
    """A douyin CSV and a taobao xlsx export with known differences; returns the settled truth."""
    figures = scenario.figures
    douyin = sorted(sid for sid, f in figures.items() if f.platform == "douyin")
    taobao = sorted(sid for sid, f in figures.items() if f.platform == "taobao")
    assert len(douyin) == len(taobao) == 4
    settled = {sid: (figures[sid].gmv_fen, figures[sid].orders, figures[sid].units_sold) for sid in douyin + taobao}
    g, o, u = settled[douyin[1]]
    settled[douyin[1]] = (g - 500, o, u)  # a refund beyond the tolerance
    g, o, u = settled[douyin[2]]
    settled[douyin[2]] = (g - 60, o, u)  # within the tolerance: applied, not reported
    del settled[douyin[3]]  # missing from the export
    g, o, u = settled[taobao[0]]
    settled[taobao[0]] = (g, o + 2, u + 3)  # attribution moved orders here
    g, o, u = settled[taobao[2]]
    settled[taobao[2]] = (g + 1_000, o, u)

    csv_path = tmp_path / "douyin-settled.csv"
    lines = ["直播间ID,场次ID,成交金额（元）,成交订单数,成交件数"]
    for sid in douyin[:3]:
        gmv, orders, units = settled[sid]
        lines.append(f'{figures[sid].room_id},{own_id(sid)},"{yuan(gmv)}",{orders},{units}')
    lines.append("room-x,ghost-1,10.00,1,1")  # a session the pipeline never saw
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")

    xlsx_path = tmp_path / "taobao-settled.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["直播ID", "直播标题", "引导成交金额", "引导成交笔数", "引导成交件数"])
    for sid in taobao:
        gmv, orders, units = settled[sid]
        sheet.append([own_id(sid), "清远好物", f"{gmv // 100}.{gmv % 100:02d}", orders, units])
    book.save(xlsx_path)
    return csv_path, xlsx_path, settled


def test_reconciliation_finds_exactly_the_planted_differences(store: Store, tmp_path: Path):
    scenario = messy(seed=61, sessions=32, polls=16)
    readings = messy_readings(seed=61, polls=10)
    insert(store, scenario)
    insert_readings(store, readings)
    csv_path, xlsx_path, settled = plant(scenario, tmp_path)
    douyin = sorted(sid for sid, f in scenario.figures.items() if f.platform == "douyin")
    taobao = sorted(sid for sid, f in scenario.figures.items() if f.platform == "taobao")

    first = reconcile(store, csv_path, None, TOLERANCE)
    assert first.format == "douyin"
    assert [(d.session_id, d.outcome, d.metrics) for d in first.differences] == sorted([
        (douyin[1], "beyond_tolerance", ("gmv_fen",)),
        (douyin[3], "not_settled", ()),
        ("douyin:ghost-1", "not_live", ()),
    ])  # fmt: skip
    assert [d.delta("gmv_fen") for d in first.differences if d.session_id == douyin[1]] == [-500]
    second = reconcile(store, xlsx_path, "taobao", TOLERANCE)
    assert [(d.session_id, d.outcome, d.metrics) for d in second.differences] == [
        (taobao[0], "beyond_tolerance", ("orders", "units_sold")),
        (taobao[2], "beyond_tolerance", ("gmv_fen",)),
    ]
    again = reconcile(store, csv_path, None, TOLERANCE)  # importing twice changes nothing
    assert again.differences == first.differences
    stored = {r[0]: r[2:5] for r in store.rows(reconcile_queries.SETTLED)}
    assert stored == {**settled, "douyin:ghost-1": (1000, 1, 1)}

    for which, period in PERIODS.items():
        report = make_report(store, period)
        book = WRITERS["xlsx"](report, tmp_path / f"{which}.xlsx")
        folder = WRITERS["csv"](report, tmp_path / f"{which}-csv")
        check_report(lambda t, b=book: xlsx_rows(b, t), report, scenario, readings, period, settled)
        check_report(lambda t, f=folder: csv_rows(f / f"{t.key}.csv", t), report, scenario, readings, period,
                     settled)
        rows, _ = xlsx_rows(book, report.table("reconciliation"))
        assert rows == csv_rows(folder / "reconciliation.csv", report.table("reconciliation"))[0]
        assert [r["session_id"] for r in rows] == sorted([douyin[1], taobao[0], taobao[2], "douyin:ghost-1"])
        check_difference_rows(rows, scenario, settled)


def check_difference_rows(rows: list[dict[str, Any]], scenario: Scenario,
                          settled: dict[str, tuple[int, int, int]]) -> None:
    for row in rows:
        sid = row["session_id"]
        if sid == "douyin:ghost-1":
            assert row["gmv_live_yuan"] is None and row["gmv_settled_yuan"] == 1000
            continue
        live = scenario.figures[sid]
        gmv, orders, units = settled[sid]
        assert (row["gmv_live_yuan"], row["gmv_settled_yuan"], row["gmv_delta_yuan"]) == (
            live.gmv_fen, gmv, gmv - live.gmv_fen)
        assert (row["orders_live"], row["orders_settled"], row["units_live"], row["units_settled"]) == (
            live.orders, orders, live.units_sold, units)
        assert row["tolerance_yuan"] == TOLERANCE


def test_without_settlements_there_is_no_reconciliation_sheet(store: Store):
    insert(store, messy(seed=62, sessions=4, polls=4))
    assert "reconciliation" not in [t.key for t in make_report(store, Period()).tables]
