"""Amendment 1.1 on the real broker and engine (issue 22, points 1 and 2): a county key cannot
take over another county's session, neither through the API nor with `livefest import`; a
row dated 290 s ahead does not blank the other counties' live figures; two counties racing
for one new session id both pass the door, and the figures end with one owner, the first in
log order, which `livefest rebuild` (from the raw tables and from the topic) keeps."""

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from kafka import TopicPartition

from kernel import kafka_clients, semantics
from kernel.timeutil import EPOCH, SHANGHAI, rfc3339
from schemas.snapshot import Snapshot
from services.aggregator.decode import decode
from tests.support.pipeline import LIVEFEST, STORES, Pipeline, wait_until
from tests.support.scenario import snapshot

KEYS = {"qingcheng": "key-qc-51aa", "yingde": "key-yd-62bb", "lianzhou": "key-lz-73cc", "all": "key-all-84dd"}
HEADER = ("县区,平台,直播间ID,场次ID,专场,数据时间,状态,在线人数,累计观看人数,成交订单数,成交件数,"
          "成交金额（元）,直播商品数,商品品类")
TAKEN = "douyin:QC-777"


@pytest.fixture(scope="module", params=STORES)
def pipeline(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Pipeline]:
    keys = ",".join(f"{key}:{scope}" for scope, key in KEYS.items())
    running = Pipeline(tmp_path_factory.mktemp("ownership"), extra_env={"LIVEFEST_API_KEYS": keys},
                       store=request.param).start()
    try:
        yield running
    finally:
        running.close()


def as_key(county: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[county]}"}


def read(pipeline: Pipeline, path: str, county: str = "all") -> Any:
    return pipeline.json(path, headers=as_key(county))


def upload(pipeline: Pipeline, rows: list[str], county: str) -> httpx.Response:
    return httpx.post(f"{pipeline.url}/v1/imports", content="\n".join((HEADER, *rows)).encode(),
                      headers={**as_key(county), "Content-Type": "text/csv"}, timeout=60)


def wall(t: datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def published(pipeline: Pipeline) -> int:
    return sum(end for _, end in pipeline.committed_and_end_offsets())


def caught_up(pipeline: Pipeline) -> None:
    wait_until(pipeline.consumed_offsets_caught_up, 90, "the aggregator to commit every offset")


def gmv_series(pipeline: Pipeline, county: str, around: datetime) -> int:
    start = around.astimezone(SHANGHAI).replace(second=0, microsecond=0) - timedelta(hours=1)
    query = {"metric": "gmv_fen", "from": rfc3339(start), "to": rfc3339(start + timedelta(hours=2)), "step": "60",
             "county": county}
    return sum(p["value"] for p in read(pipeline, f"/v1/timeseries?{urlencode(query)}", county)["points"])


def test_a_county_key_cannot_take_over_another_countys_session(pipeline: Pipeline, tmp_path: Path):
    """Issue 22, point 1: Yingde uploads a row for Qingcheng's adapter session (¥50,000)."""
    now = datetime.now(UTC).replace(microsecond=0)
    pipeline.publish([snapshot(session_id=TAKEN, room_id="qc-dy-1", county="qingcheng", observed_at=now - timedelta(
        seconds=30), status="ended", viewers_total=3000, orders=40, units_sold=50, gmv_fen=5_000_000)])
    wait_until(lambda: pipeline.get(f"/v1/sessions/{TAKEN}", headers=as_key("qingcheng")).status_code == 200, 60,
               "Qingcheng's session")
    caught_up(pipeline)
    before = {county: read(pipeline, f"/v1/totals?county={county}", county) for county in ("qingcheng", "yingde")}
    series_before = {county: gmv_series(pipeline, county, now) for county in ("qingcheng", "yingde")}
    offsets = published(pipeline)
    row = f"英德市,抖音,yd-dy-9,QC-777,,{wall(now)},直播中,9999,1,1,1,99999.00,1,"

    response = upload(pipeline, [row], "yingde")
    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (2, "场次ID", TAKEN)
    assert "belongs elsewhere" in problem["problem"]
    for secret in ("qingcheng", "清城", "50000", "5000000", "adapter feeds it"):
        assert secret not in response.text
    report = tmp_path / "takeover.csv"
    report.write_text("\n".join((HEADER, row)), encoding="utf-8")
    cli = subprocess.run([str(LIVEFEST), "import", str(report), "--county", "yingde"], env=pipeline.env,
                         capture_output=True, text=True, timeout=120)
    # (through the store, or through the API when a single-process `up` holds the embedded engine)
    assert cli.returncode == 1 and "belongs elsewhere" in cli.stderr and "nothing was" in cli.stderr, (
        cli.stdout, cli.stderr)

    assert published(pipeline) == offsets  # nothing reached the log
    for county, figures in before.items():
        assert read(pipeline, f"/v1/totals?county={county}", county) == figures, county
        assert gmv_series(pipeline, county, now) == series_before[county], county
    mine = read(pipeline, f"/v1/sessions/{TAKEN}", "qingcheng")
    assert (mine["county"], mine["gmv_fen"], mine["peak_viewers_online"]) == ("qingcheng", 5_000_000, 0)
    assert pipeline.get(f"/v1/sessions/{TAKEN}", headers=as_key("yingde")).status_code == 404


def test_a_row_dated_290_s_ahead_does_not_blank_other_counties(pipeline: Pipeline):
    """Issue 22, point 2: a Yingde row dated 290 s ahead (allowed: up to now + 300 s)."""
    t0 = datetime.now(UTC).replace(microsecond=0)
    pipeline.publish([snapshot(session_id="douyin:QC-LIVE", room_id="qc-dy-2", county="qingcheng",
                               observed_at=t0, viewers_online=500, gmv_fen=1_000)])
    wait_until(lambda: read(pipeline, "/v1/totals?county=qingcheng", "qingcheng")["sessions_live"] == 1, 60,
               "Qingcheng's live session")
    response = upload(pipeline, [f"英德市,快手,yd-ks-1,YD-AHEAD,,{wall(t0 + timedelta(seconds=290))},直播中,12,"
                                 "40,2,2,99.00,3,"], "yingde")
    assert response.status_code == 200, response.text
    caught_up(pipeline)
    wait_until(lambda: read(pipeline, "/v1/sessions/kuaishou:YD-AHEAD", "yingde"), 60, "Yingde's row")
    qingcheng = read(pipeline, "/v1/totals?county=qingcheng", "qingcheng")
    assert (qingcheng["viewers_online"], qingcheng["sessions_live"]) == (500, 1)
    # The watermark stopped at the broker's clock, not at the row's 数据时间.
    assert datetime.fromisoformat(qingcheng["as_of"]) < t0 + timedelta(seconds=120)


def log_records(pipeline: Pipeline) -> list[semantics.Record]:
    """Every valid snapshot of the pipeline's topic with its append time and position."""
    consumer = kafka_clients.consumer(pipeline.kafka_access, enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        partitions = [TopicPartition(pipeline.topic, p) for p in consumer.partitions_for_topic(pipeline.topic) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records = []
        for message in consumer:
            appended = EPOCH + timedelta(milliseconds=message.timestamp)
            decoded = decode(message.value, appended, timedelta(seconds=300))
            if isinstance(decoded, Snapshot):
                records.append(semantics.Record(decoded, appended, message.partition, message.offset))
        return records
    finally:
        consumer.close()


def livefest(pipeline: Pipeline, *args: str) -> str:
    done = subprocess.run([str(LIVEFEST), *args], env=pipeline.env, cwd=pipeline.workdir, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def test_two_counties_racing_for_a_new_session_end_with_the_first_in_log_order(pipeline: Pipeline, tmp_path: Path):
    """Both uploads pass the door (neither is in the store yet: the aggregator is stopped),
    both reach the log; the first in log order owns the session, everywhere and after rebuilds."""
    sid, when = "taobao:RACE-1", wall(datetime.now(UTC) - timedelta(minutes=5))
    files = {}
    for county, name, gmv in (("yingde", "英德市", "1234.56"), ("lianzhou", "连州市", "9999.99")):
        files[county] = tmp_path / f"{county}.csv"
        files[county].write_text("\n".join((HEADER, f"{name},淘宝,tb-{county},RACE-1,,{when},已结束,,10,3,4,{gmv},2,")),
                                 encoding="utf-8")
    pipeline.stop()
    for county in ("yingde", "lianzhou"):
        assert "published 1 snapshot(s)" in livefest(pipeline, "import", str(files[county]), "--county", county)
    pipeline.start()
    caught_up(pipeline)
    reported = [r for r in log_records(pipeline) if r.snapshot.session_id == sid]
    assert {r.snapshot.county for r in reported} == {"yingde", "lianzhou"}
    assert semantics.owners(reported) == {sid: "yingde"}  # the first in log order

    def answers() -> dict[str, Any]:
        return {
            "yingde": read(pipeline, f"/v1/sessions/{sid}", "yingde"),
            "lianzhou": pipeline.get(f"/v1/sessions/{sid}", headers=as_key("lianzhou")).status_code,
            "counties": read(pipeline, "/v1/counties"),
        }

    before = wait_until(lambda: pipeline.get(f"/v1/sessions/{sid}", headers=as_key("yingde")).status_code == 200
                        and answers(), 60, "Yingde's session")
    assert (before["yingde"]["gmv_fen"], before["yingde"]["county"], before["lianzhou"]) == (123_456, "yingde", 404)
    lianzhou = next(c for c in before["counties"]["counties"] if c["county"] == "lianzhou")
    assert (lianzhou["sessions"], lianzhou["gmv_fen"]) == (0, 0)

    pipeline.stop()
    assert "rebuilt session_claims" in livefest(pipeline, "rebuild")
    livefest(pipeline, "rebuild", "--from-topic")
    pipeline.start()
    assert answers() == before
