"""While `livefest up` runs (the production shape), what the other users do from another
terminal with the same environment: `livefest report`, `status`, `reconcile`, `rebuild`,
and a report job's plain clickhouse-connect query (the README's worked example) all see
the API's figures. Each process is its own ClickHouse user: the API the reader, the
workers the writer, and none of them is given another role's password."""

import json
import re
import subprocess
from pathlib import Path

import clickhouse_connect
import psutil

from schemas.snapshot import COUNTIES
from services.report.build import by_county
from tests.support.checks import assert_api_matches
from tests.support.pipeline import LIVEFEST, Pipeline, wait_until
from tests.support.report_files import csv_rows
from tests.support.scenario import messy

README = Path(__file__).resolve().parents[2] / "README.md"


def livefest(pipeline: Pipeline, *args: str) -> subprocess.CompletedProcess[str]:
    """A command as a user runs it in another terminal: the same environment, another directory."""
    elsewhere = pipeline.workdir / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run([str(LIVEFEST), *args], env=pipeline.env, cwd=elsewhere, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def clickhouse_env(pid: int) -> dict[str, str]:
    """The ClickHouse credentials in a running process's environment (user and any password)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().split("=", 1) for item in raw if b"=" in item)
    return {k: v for k, v in env.items() if k == "LIVEFEST_CLICKHOUSE_USER" or "PASSWORD" in k}


def readme_sql() -> str:
    """The worked example of README's report-job section (the first ```sql block after it)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### A report job"):]
    found = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert found, "README's report-job section has no ```sql example"
    return found[1]


def test_report_status_reconcile_rebuild_and_a_plain_query_agree_with_the_api(tmp_path: Path):
    scenario = messy(seed=63, sessions=27, polls=20)
    pipeline = Pipeline(tmp_path, store="server")
    # Absolute, as a user's LIVEFEST_DATA_DIR would be from another working directory.
    pipeline.env["LIVEFEST_DATA_DIR"] = str(pipeline.data_dir.resolve())
    try:
        pipeline.start()
        pipeline.publish(scenario.snapshots)
        wait_until(pipeline.consumed_offsets_caught_up, 90, "the workers to commit every offset")
        counties = pipeline.json("/v1/counties")["counties"]
        api = [(c["gmv_fen"], c["orders"], c["sessions"]) for c in counties]

        report = livefest(pipeline, "report", "--format", "csv", "--output", "out")
        assert report.returncode == 0, report.stderr[-2000:]
        rows, total = csv_rows(pipeline.workdir / "elsewhere" / "out" / "by_county.csv", by_county([], set()))
        assert [(r["gmv_yuan"], r["orders"], r["sessions"]) for r in rows] == api
        assert total["gmv_yuan"] == pipeline.json("/v1/totals")["gmv_fen"] > 0

        # A report job: clickhouse-connect, the local server's port, the run's database, the reader.
        run = pipeline.run_file()
        port = int(pipeline.env["LIVEFEST_CLICKHOUSE_HTTP_PORT"])
        passwords = json.loads((pipeline.data_dir / "clickhouse-server" / "passwords.json").read_text())
        client = clickhouse_connect.get_client(host="127.0.0.1", port=port, database=run["database"],
                                               username="livefest_reader", password=passwords["reader"])
        found = {county: (gmv, orders, sessions) for county, gmv, orders, sessions
                 in client.query(readme_sql()).result_rows}  # fmt: skip
        assert [found.get(county, (0, 0, 0)) for county in COUNTIES] == api

        users = {name: clickhouse_env(info["pid"]) for name, info in run["children"].items() if name != "clickhouse"}
        assert users.pop("api") == {"LIVEFEST_CLICKHOUSE_USER": "livefest_reader",
                                    "LIVEFEST_CLICKHOUSE_PASSWORD": passwords["reader"]}
        assert set(users) == {"aggregator-1", "aggregator-2"}
        for worker in users.values():
            assert worker == {"LIVEFEST_CLICKHOUSE_USER": "livefest_writer",
                              "LIVEFEST_CLICKHOUSE_PASSWORD": passwords["writer"]}

        # Loopback by default: every process of `livefest up` listens on 127.0.0.1 only.
        for name, info in run["children"].items():
            addresses = {c.laddr.ip for c in psutil.Process(info["pid"]).net_connections("inet")
                         if c.status == psutil.CONN_LISTEN}  # fmt: skip
            assert addresses == {"127.0.0.1"}, (name, addresses)

        status = livefest(pipeline, "status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert pipeline.json("/v1/totals")["as_of"] in status.stdout and "local server" in status.stdout

        douyin = sorted(sid for sid, f in scenario.figures.items() if f.platform == "douyin")
        export = pipeline.workdir / "settled.csv"
        export.write_text(f"session_id,platform,gmv_fen,orders,units_sold\n{douyin[0]},douyin,1,1,1\n")
        reconciled = livefest(pipeline, "reconcile", str(export), "--tolerance-fen", "0")
        assert reconciled.returncode == 0, reconciled.stderr[-2000:]
        assert f"{douyin[0]}: GMV ¥" in reconciled.stdout

        rebuilt = livefest(pipeline, "rebuild")
        assert rebuilt.returncode == 0 and "rebuilt " in rebuilt.stdout, rebuilt.stderr[-2000:]
        assert_api_matches(pipeline.json, scenario)
    finally:
        pipeline.close()
