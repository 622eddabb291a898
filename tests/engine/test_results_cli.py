"""The commands as officials run them (`livefest report`, `livefest reconcile`), each in
its own process on a private embedded store, as with `livefest up` stopped."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.report.build import by_county
from tests.support import report_truth as truth
from tests.support.pipeline import LIVEFEST
from tests.support.report_files import csv_rows
from tests.support.scenario import messy

pytestmark = pytest.mark.engine

SEED = """
from kernel.migrate import migrate
from kernel.settings import get_settings
from kernel.store_access import open_for_writing
from kernel.store_target import resolve
from services.aggregator.rows import SNAPSHOT_COLUMNS
from tests.support.scenario import messy, stored_rows
store = open_for_writing(resolve(get_settings()))  # the data directory's own store, as `livefest up` opens it
migrate(store)
rows = stored_rows(messy(seed=71, sessions=16, polls=12).snapshots)
store.insert("snapshots", rows, SNAPSHOT_COLUMNS)
"""


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_report_and_reconcile_commands(tmp_path: Path):
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "LIVEFEST_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(root)}
    seeded = run([sys.executable, "-c", SEED], env, tmp_path)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    scenario = messy(seed=71, sessions=16, polls=12)

    done = run([str(LIVEFEST), "report", "--format", "csv", "--output", "out", "--from", "2021-10-23",
                "--to", "2021-10-25"], env, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    _, total = csv_rows(tmp_path / "out" / "by_county.csv", by_county([], set()))
    expected = truth.by_county(truth.session_rows(scenario.snapshots, None, None))["total"]
    assert (total["gmv_yuan"], total["orders"], total["sessions"]) == (
        expected["gmv_fen"], expected["orders"], expected["sessions"])

    douyin = sorted(sid for sid, f in scenario.figures.items() if f.platform == "douyin")
    export = tmp_path / "settled.csv"
    export.write_text("session_id,platform,gmv_fen,orders,units_sold\n"
                      f"{douyin[0]},douyin,1,1,1\n", encoding="utf-8")
    done = run([str(LIVEFEST), "reconcile", str(export), "--tolerance-fen", "0", "--output", "r.html"], env, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported 1 settled session(s) from settled.csv (generic format)" in done.stdout
    assert f"{douyin[0]}: GMV ¥" in done.stdout and f"{douyin[1]}: seen live but missing" in done.stdout
    assert "对账差异" in (tmp_path / "r.html").read_text(encoding="utf-8")

    refused = run([str(LIVEFEST), "report", "--output", "x.xlsx", "--from", "2021-10-23T10:00:30+08:00"], env,
                  tmp_path)
    assert refused.returncode == 2 and "whole minute" in refused.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("session_id,platform,gmv_fen,orders,units_sold\nx,douyin,1.5,1,1\n", encoding="utf-8")
    refused = run([str(LIVEFEST), "reconcile", str(bad)], env, tmp_path)
    assert refused.returncode == 1 and "line 2" in refused.stderr and "fractions of a fen" in refused.stderr


def test_read_commands_refuse_a_store_without_data_instead_of_reporting_zeros(tmp_path: Path):
    typo = tmp_path / "not-the-data-dir"
    env = {**os.environ, "LIVEFEST_DATA_DIR": str(typo)}
    env.pop("LIVEFEST_CLICKHOUSE", None)
    refused = run([str(LIVEFEST), "report", "--output", "r.xlsx"], env, tmp_path)
    assert refused.returncode == 1 and "no ClickHouse data at" in refused.stderr, refused.stderr
    assert "LIVEFEST_DATA_DIR" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.xlsx").exists() and not typo.exists(), "a read created something"

    # The schema, but no snapshots yet (`livefest migrate` ran, no aggregator wrote).
    assert run([str(LIVEFEST), "migrate"], env, tmp_path).returncode == 0
    refused = run([str(LIVEFEST), "report", "--output", "r.xlsx"], env, tmp_path)
    assert refused.returncode == 1 and "holds no snapshots yet" in refused.stderr, refused.stderr
    assert not (tmp_path / "r.xlsx").exists()

    # A recorded database that is not there (another run's, dropped).
    (typo / "clickhouse-database").write_text("festival_20211023_190000\n")
    refused = run([str(LIVEFEST), "report", "--output", "r.xlsx"], env, tmp_path)
    assert refused.returncode == 1 and "the database does not exist" in refused.stderr, refused.stderr
