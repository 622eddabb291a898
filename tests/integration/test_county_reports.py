"""County reports uploaded to `POST /v1/imports` (and `livefest import FILE`), on the real
broker and engine: a valid file's figures become the API's; a file with bad rows gets a
4xx listing each row's problem and changes nothing; a county key cannot report another
county; the same file twice, or a corrected file, gives the corrected figures, not the sum.

Expected figures are the example file's own numbers (schemas/county_reports/example.csv),
added up by hand under the contract's rules."""

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.pipeline import LIVEFEST, STORES, Pipeline, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "county_reports"
KEYS = {"yingde": "key-yingde-7f3a", "lianzhou": "key-lianzhou-91c2", "all": "key-bureau-5d0e"}
HEADER = ("县区,平台,直播间ID,场次ID,专场,数据时间,状态,在线人数,累计观看人数,成交订单数,成交件数,"
          "成交金额（元）,直播商品数,商品品类")
DOUYIN = "douyin:7026591234567890001"
# Yingde in example.csv: the Douyin session's newest row (23:30, ended), the mini-program,
# Taobao and Kuaishou sessions; the Kuaishou one is live at the watermark (21:15, 11 Nov).
YINGDE = {"gmv_fen": 25843200 + 1000001 + 2101890 + 123450, "orders": 1290 + 80 + 131 + 17,
          "units_sold": 1702 + 95 + 167 + 19, "viewers_total": 90121 + 2000 + 5210 + 1312, "viewers_online": 88,
          "sessions": 4, "sessions_live": 1}


@pytest.fixture(scope="module", params=STORES)
def pipeline(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Pipeline]:
    keys = ",".join(f"{key}:{scope}" for scope, key in KEYS.items())
    running = Pipeline(tmp_path_factory.mktemp("county"), extra_env={"LIVEFEST_API_KEYS": keys},
                       store=request.param).start()
    try:
        # Every test starts from the example file applied (each may also upload it again).
        assert upload(running, (EXAMPLES / "example.csv").read_bytes()).status_code == 200
        yield running
    finally:
        running.close()


def upload(pipeline: Pipeline, data: bytes, key: str | None = KEYS["yingde"]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{pipeline.url}/v1/imports", content=data, headers={**headers, "Content-Type": "text/csv"},
                      timeout=60)


def read(pipeline: Pipeline, path: str) -> Any:
    return pipeline.json(path, headers={"Authorization": f"Bearer {KEYS['all']}"})


def yingde(pipeline: Pipeline) -> dict[str, int]:
    totals = read(pipeline, "/v1/totals?county=yingde")
    return {k: totals[k] for k in YINGDE}


def published(pipeline: Pipeline) -> int:
    return sum(end for _, end in pipeline.committed_and_end_offsets())


def settled(pipeline: Pipeline, expected: dict[str, int]) -> None:
    wait_until(lambda: pipeline.consumed_offsets_caught_up() and yingde(pipeline) == expected, 60,
               f"the API to show {expected}")


def test_a_valid_file_becomes_the_apis_figures(pipeline: Pipeline):
    response = upload(pipeline, (EXAMPLES / "example.csv").read_bytes())
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 5 and response.json()["published"] == 5
    settled(pipeline, YINGDE)
    session = read(pipeline, f"/v1/sessions/{DOUYIN}")
    assert {k: session[k] for k in ("county", "platform", "special", "status", "gmv_fen", "orders", "units_sold",
                                    "viewers_total", "peak_viewers_online", "products_listed", "categories")} == {
        "county": "yingde", "platform": "douyin", "special": "rural", "status": "ended", "gmv_fen": 25843200,
        "orders": 1290, "units_sold": 1702, "viewers_total": 90121, "peak_viewers_online": 1520,
        "products_listed": 30, "categories": ["agri", "travel"]}


def test_the_same_file_again_or_as_xlsx_changes_nothing(pipeline: Pipeline):
    assert upload(pipeline, (EXAMPLES / "example.csv").read_bytes()).status_code == 200
    assert upload(pipeline, (EXAMPLES / "example.xlsx").read_bytes()).status_code == 200
    settled(pipeline, YINGDE)


def test_a_corrected_file_replaces_the_figures(pipeline: Pipeline):
    settled(pipeline, YINGDE)
    # The park misread the Douyin back office at 23:30: GMV 258,000.00 yuan, 1,700 items.
    corrected = "\n".join((HEADER, "英德市,抖音,dy-yingde-hongcha,7026591234567890001,乡村振兴,2021-10-25 23:30:00,"
                                   "已结束,,90121,1290,1700,258000.00,30,农产品、旅游"))
    assert upload(pipeline, corrected.encode()).status_code == 200
    expected = {**YINGDE, "gmv_fen": YINGDE["gmv_fen"] - 43200, "units_sold": YINGDE["units_sold"] - 2}
    settled(pipeline, expected)
    assert read(pipeline, f"/v1/sessions/{DOUYIN}")["gmv_fen"] == 25800000


def test_bad_rows_are_listed_and_nothing_is_applied(pipeline: Pipeline):
    before, figures = published(pipeline), yingde(pipeline)
    data = "\n".join((
        HEADER,
        "英德市,抖音,dy-yingde-2,70265900002,,2021-10-27 20:00:00,已结束,,100,10,12,999.99,5,农产品",  # fine
        "英德市,抖音,dy-yingde-2,70265900003,,2021-10-27 20:00:00,已结束,,100,10,12,999.999,5,农产品",
        "英德市,淘宝,tb-2,33000003,,2021-10-27 20:00:00,直播中,,100,-1,12,10,5,",
    )).encode()
    response = upload(pipeline, data)
    assert response.status_code == 422, response.text
    assert [(p["row"], p["column"]) for p in response.json()["problems"]] == [
        (3, "成交金额（元）"), (4, "在线人数"), (4, "成交订单数")]
    assert "nothing was applied" in response.json()["error"]
    assert published(pipeline) == before and yingde(pipeline) == figures


def test_a_county_key_cannot_report_another_county(pipeline: Pipeline):
    before = published(pipeline)
    data = "\n".join((HEADER, "英德市,抖音,dy-yingde-3,70265900004,,2021-10-27 20:00:00,已结束,,1,1,1,1,1,",
                      "连州市,抖音,dy-lianzhou-1,70265900005,,2021-10-27 20:00:00,已结束,,1,1,1,1,1,")).encode()
    response = upload(pipeline, data)
    assert response.status_code == 403, response.text
    assert [(p["row"], p["value"]) for p in response.json()["problems"]] == [(3, "lianzhou")]
    assert upload(pipeline, data, key=None).status_code == 401
    assert upload(pipeline, b"\x00\x01 not a report").status_code == 422
    assert published(pipeline) == before


def test_the_command_line_import(pipeline: Pipeline, tmp_path: Path):
    report = tmp_path / "lianzhou.csv"
    report.write_text("\n".join((HEADER, "连州市,微视,ws-lianzhou-1,40001,乡村振兴,2021-10-28 22:00:00,已结束,,"
                                         "3001,41,50,\"6,543.21\",9,农产品")), encoding="utf-8")
    refused = subprocess.run([str(LIVEFEST), "import", str(report), "--county", "yingde"], env=pipeline.env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "row 2" in refused.stderr
    done = subprocess.run([str(LIVEFEST), "import", str(report)], env=pipeline.env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    wait_until(lambda: read(pipeline, "/v1/totals?county=lianzhou")["gmv_fen"] == 654321, 60, "Lianzhou's report")
    assert {k: read(pipeline, "/v1/sessions/weishi:40001")[k] for k in ("orders", "units_sold", "county")} == {
        "orders": 41, "units_sold": 50, "county": "lianzhou"}


def audit_trail(pipeline: Pipeline) -> list[dict[str, Any]]:
    listed = subprocess.run([str(LIVEFEST), "import", "--list", "--json", "--limit", "1000"], env=pipeline.env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_every_upload_is_in_the_audit_trail_and_listed(pipeline: Pipeline):
    before = len(audit_trail(pipeline))
    data = (EXAMPLES / "example.csv").read_bytes()
    assert upload(pipeline, data).status_code == 200
    assert upload(pipeline, b"PK\x03\x04junk").status_code == 422
    assert upload(pipeline, b"x" * (10 * 1024 * 1024 + 1)).status_code == 413
    new = audit_trail(pipeline)[before:]
    assert [(r["via"], r["county"], r["outcome"], r["status"], r["mapping"], r["rows"], r["rows_accepted"])
            for r in new] == [("api", "yingde", "published", 200, "livefest-template", 5, 5),
                              ("api", "yingde", "unreadable", 422, "", 0, 0),
                              ("api", "yingde", "too_large", 413, "", 0, 0)]
    assert (new[0]["sha256"], new[0]["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert all(KEYS["yingde"] not in json.dumps(r) for r in new)
    table = subprocess.run([str(LIVEFEST), "import", "--list", "--county", "yingde"], env=pipeline.env,
                           capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "outcome" in table.stdout.splitlines()[0]
    assert f"{hashlib.sha256(data).hexdigest()[:16]}" in table.stdout
