"""LIVEFEST_LOG_FORMAT=json reaches every livefest process: the API under uvicorn, the
aggregator under Faust's worker (both of which reset logging their own way), and the
adapters. Every log line they write is then one JSON object naming its component."""

import json
import os
import re
import subprocess
from pathlib import Path

import httpx

from tests.support.pipeline import LIVEFEST, free_port, wait_until
from tests.support.platforms import Platforms

JSON = {"LIVEFEST_LOG_FORMAT": "json"}
# What a command prints on purpose (status lines, addresses) is not a log line.
PRINTED = re.compile(r"ClickHouse |API listening|aggregator starting|livefest stopped|ingest: spool|  adapters:"
                     r"|city totals|\[\d\d:\d\d:\d\d event time\]")


def log_lines(path: Path) -> list[str]:
    lines = path.read_text(errors="replace").splitlines()
    return [line for line in lines if not PRINTED.match(line)]


def entries(path: Path) -> list[dict]:
    found = []
    for line in log_lines(path):
        try:
            found.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"{path.name}: not a JSON log line: {line!r}") from None
    return found


def test_the_api_under_uvicorn_logs_json(tmp_path: Path):
    port = free_port()
    env = {**os.environ, **JSON, "LIVEFEST_DATA_DIR": str(tmp_path / "data"), "LIVEFEST_API_PORT": str(port)}
    log = tmp_path / "api.log"
    process = subprocess.Popen([str(LIVEFEST), "api"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                               cwd=tmp_path)
    try:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2), 60, "the API to answer")
        found = wait_until(lambda: [e for e in entries(log) if e["logger"] == "uvicorn.access"], 10,
                           "uvicorn's access log line")
        assert "/healthz" in found[0]["message"]
        assert {e["component"] for e in entries(log)} == {"api"}
        assert any(e["logger"] == "uvicorn.error" and "Uvicorn running" in e["message"] for e in entries(log))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_aggregator_and_the_adapters_log_json(make_pipeline, tmp_path: Path):
    pipeline = make_pipeline(extra_env=JSON).start()
    platforms = Platforms(pipeline, tmp_path).start()  # the adapters inherit the pipeline's environment
    try:
        wait_until(lambda: [e for e in entries(platforms.adapters.log) if e["message"].startswith("polling ")], 30,
                   "the adapters' first log line")
        # `up` logs to files under its data directory (its terminal shows status lines); in
        # the production shape the aggregator is a process of its own, with its own file.
        logs = pipeline.data_dir / "logs"
        up = entries(logs / "up.log")
        assert {e["component"] for e in up} == {"up"}
        faust = up if pipeline.store == "embedded" else entries(logs / "aggregator-1.log")
        assert pipeline.store == "embedded" or {e["component"] for e in faust} == {"aggregator"}
        assert any(e["logger"].startswith(("faust", "mode")) for e in faust), "Faust's worker logs through livefest"
        assert {e["component"] for e in entries(platforms.adapters.log)} == {"ingest"}
    finally:
        platforms.close()
