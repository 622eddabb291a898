"""Issue 24 on a running pipeline (`livefest up` in the production shape, the simulated
platforms polled through the adapters' spool, API keys set):

- keys never in logs: every route of the API is asked with the keys, the big screen's
  stream opened with a ticket as the page does, and a careless client puts a key in a URL
  (`?access_token=`); then no log the pipeline wrote (LIVEFEST_DATA_DIR's logs, the
  ClickHouse server's, `up`'s own output) holds any configured key or issued ticket, and
  no credential-like query value at all;
- files only livefest can read: no file or directory under LIVEFEST_DATA_DIR (ClickHouse's
  parts, the spool and its -wal/-shm, the passwords, the logs) gives the group or others
  any permission.
"""

import re
import stat
from pathlib import Path

import httpx

from tests.support.pipeline import Pipeline, free_port, wait_until
from tests.support.platforms import FESTIVAL

KEYS = {"bureau-k3y-fr0m-the-test": "all", "yingde-k3y-fr0m-the-test": "yingde"}
BUREAU, YINGDE = (f"Bearer {key}" for key in KEYS)
CREDENTIAL_VALUE = re.compile(r"(?i)(access_token|ticket|token|client_secret|app_secret|sign|password)=(?!\[redacted\])"
                              r"[^&\s\"'\\]+")  # fmt: skip


def test_no_key_in_any_log_and_no_file_open_to_others(tmp_path: Path):
    simulator = free_port()
    pipeline = Pipeline(tmp_path, store="server",
                        args=("up", "--speed", "100", *FESTIVAL, "--poll-seconds", "0.3", "--faults", "0"),
                        extra_env={"LIVEFEST_API_KEYS": ",".join(f"{k}:{s}" for k, s in KEYS.items()),
                                   "LIVEFEST_SIMULATOR_PORT": str(simulator)})  # fmt: skip
    try:
        pipeline.start()
        wait_until(lambda: pipeline.json("/v1/totals", headers={"Authorization": BUREAU})["sessions"] > 0, 120,
                   "the simulated festival's first sessions")  # fmt: skip
        tickets = exercise_every_route(pipeline)
        wait_until(lambda: list((pipeline.data_dir / "ingest").glob("*.sqlite")), 30, "the adapters' spool")
    finally:
        pipeline.close()
    logs = [path for path in pipeline.data_dir.rglob("*") if path.is_file() and path.name.endswith(".log")]
    logs.append(pipeline.log_path)  # up's own output, as the test captured it
    assert {p.name for p in logs} >= {"up.log", "api.log", "clickhouse.log", "aggregator-1.log", "pipeline.log"}
    api_log = (pipeline.data_dir / "logs" / "api.log").read_text(errors="replace")
    assert '"POST /v1/stream-tickets HTTP/1.1" 200' in api_log, "the access log is written, and checked below"
    assert "GET /v1/stream?ticket=[redacted] HTTP/1.1" in api_log
    assert "access_token=[redacted]" in api_log
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in (*KEYS, *tickets):
            assert secret not in text, f"{path} holds a key or ticket: {secret[:12]}…"
        leaked = CREDENTIAL_VALUE.findall(text)
        assert not leaked, f"{path} holds credential values in URLs: {leaked[:5]}"

    offenders = [f"{path} {stat.S_IMODE(path.lstat().st_mode):04o}"
                 for path in (pipeline.data_dir, *pipeline.data_dir.rglob("*"))
                 if not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) & 0o077]  # fmt: skip
    assert not offenders, f"{len(offenders)} paths open to others, e.g.:\n" + "\n".join(offenders[:40])
    assert list((pipeline.data_dir / "ingest").glob("*.sqlite")), "the spool was among the files checked"


def exercise_every_route(pipeline: Pipeline) -> list[str]:
    """Every route of the API's OpenAPI schema and every page, with the keys (and once with
    a key in a URL, as a careless client would); the tickets issued on the way."""
    url = pipeline.url
    bureau, yingde = {"Authorization": BUREAU}, {"Authorization": YINGDE}
    session = next(iter(pipeline.json("/v1/screen", headers=bureau)["top_rooms"]))["session_id"]
    asked = {
        "/v1/totals": [httpx.get(f"{url}/v1/totals?county=yingde", headers=yingde)],
        "/v1/counties": [httpx.get(f"{url}/v1/counties", headers=bureau)],
        "/v1/specials": [httpx.get(f"{url}/v1/specials", headers=bureau)],
        "/v1/sessions/{session_id}": [httpx.get(f"{url}/v1/sessions/{session}", headers=bureau)],
        "/v1/timeseries": [httpx.get(f"{url}/v1/timeseries", headers=bureau, params={
            "metric": "gmv_fen", "step": "1h", "from": "2021-10-23T00:00:00+08:00",
            "to": "2021-10-24T00:00:00+08:00"})],
        "/v1/screen": [httpx.get(f"{url}/v1/screen", headers=yingde)],
        "/v1/metrics": [httpx.get(f"{url}/v1/metrics", headers=bureau)],
        "/v1/imports": [httpx.post(f"{url}/v1/imports", headers=yingde, content=b"not a report",
                                   params={"county": "yingde"})],
        "/healthz": [httpx.get(f"{url}/healthz")],
        "/metrics": [httpx.get(f"{url}/metrics")],
    }  # fmt: skip
    tickets = []
    for headers in (bureau, yingde):
        granted = httpx.post(f"{url}/v1/stream-tickets", headers=headers, timeout=10)
        assert granted.status_code == 200, granted.text
        tickets.append(granted.json()["ticket"])
        with httpx.stream("GET", f"{url}/v1/stream", params={"ticket": tickets[-1]}, timeout=30) as stream:
            assert stream.status_code == 200
            assert any(line == "event: figures" for line in stream.iter_lines())
    asked["/v1/stream-tickets"] = [granted]
    asked["/v1/stream"] = [httpx.get(f"{url}/v1/stream?access_token={key}", timeout=10) for key in KEYS]
    asked["/v1/totals"].append(httpx.get(f"{url}/v1/totals?access_token={next(iter(KEYS))}"))
    assert [r.status_code for r in asked["/v1/stream"]] == [401, 401], "a key in a URL opens nothing"
    for path in ("/screen", "/screen/assets/screen.js", "/screen/assets/link.js", "/docs", "/openapi.json"):
        assert httpx.get(f"{url}{path}").status_code == 200, path
    served = set(httpx.get(f"{url}/openapi.json").json()["paths"])
    assert served <= set(asked), f"routes not exercised: {sorted(served - set(asked))}"
    for path, answers in asked.items():
        assert all(r.status_code < 500 for r in answers), (path, [(r.status_code, r.text[:200]) for r in answers])
    return tickets
