"""Amendment 1.1 in the store: owners, the clamped watermark and refunds, on the real engine,
held to the reference semantics (kernel.semantics) for logs that mix adapters and county
reports; replays, merges and `livefest rebuild` keep the same owners and figures; a county
key never sees a session its county does not own; the upload door refuses foreign rows."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient

from kernel import semantics
from kernel.clickhouse import Store
from kernel.migrate import available, migrate
from kernel.semantics import Record
from kernel.timeutil import rfc3339
from livefest.rebuild import rebuild
from schemas.snapshot import COUNTIES
from services.aggregator.rows import SNAPSHOT_COLUMNS
from tests.engine.conftest import api_client
from tests.support.checks import assert_api_matches
from tests.support.ownership_scenario import mixed
from tests.support.scenario import START, Scenario, expected_totals, messy, snapshot, stored_rows

pytestmark = pytest.mark.engine

S = timedelta(seconds=1)
QC, YD = "Bearer qc-key", "Bearer yd-key"
KEYS = "all-key:all,qc-key:qingcheng,yd-key:yingde"


def insert_records(store: Store, records: list[Record], batch: int = 61) -> None:
    rows = stored_rows(records)
    for i in range(0, len(rows), batch):
        store.insert("snapshots", rows[i : i + batch], SNAPSHOT_COLUMNS)


def _ok(client: TestClient, path: str, key: str | None = None) -> Any:
    response = client.get(path, headers={"Authorization": key} if key else {})
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def owners_in_store(store: Store) -> dict[str, str]:
    return dict(store.rows("SELECT session_id, lane FROM session_owner"))


def assert_scenario_covers_the_rules(scenario: Scenario) -> None:
    """The mixed log holds what these tests claim to check (else they would prove little)."""
    owners = semantics.owners(scenario.records)
    reported = {r.snapshot.session_id for r in scenario.records if r.snapshot.source == "county_report"}
    assert any(owners[sid] == "" for sid in reported), "a late adapter over county reports"
    foreign = {r.snapshot.session_id for r in scenario.records
               if r.snapshot.source == "county_report" and owners[r.snapshot.session_id] not in ("", r.snapshot.county)}
    assert len(foreign) >= 2, "county reports of sessions owned by another county"
    assert scenario.watermark < max(r.snapshot.observed_at for r in scenario.records), "a clock ahead of the broker"
    assert any(f.refund_fen is not None for f in scenario.figures.values())
    assert any(f.refund_fen is None for f in scenario.figures.values())
    # Log order across partitions: some session's first reporter has the greater offset.
    firsts: dict[str, dict[str, Record]] = {}
    for r in scenario.records:
        if r.snapshot.source == "county_report":
            mine = firsts.setdefault(r.snapshot.session_id, {})
            if r.snapshot.county not in mine or r.position < mine[r.snapshot.county].position:
                mine[r.snapshot.county] = r
    assert any(len(by) > 1 and min(by.values(), key=lambda r: r.position).offset
               > min(by.values(), key=lambda r: r.offset).offset for by in firsts.values())


@pytest.mark.parametrize("seed", [1, 2])
def test_mixed_logs_give_the_contracts_owners_and_figures(store: Store, client: TestClient, seed: int):
    scenario = mixed(seed)
    assert_scenario_covers_the_rules(scenario)
    insert_records(store, scenario.records)
    assert owners_in_store(store) == semantics.owners(scenario.records)
    assert_api_matches(lambda path: _ok(client, path), scenario)


def test_replays_merges_and_rebuilds_keep_owners_and_figures(store: Store, client: TestClient):
    scenario = mixed(3)
    insert_records(store, scenario.records)
    owners = owners_in_store(store)
    answers = {path: _ok(client, path) for path in ("/v1/totals", "/v1/counties")}
    insert_records(store, list(reversed(scenario.records)), batch=17)  # a replay, in another order
    for table in ("snapshots", "lane_newest", "lane_closings", "session_claims"):
        store.command(f"OPTIMIZE TABLE {table} FINAL")
    rebuild(store)
    assert owners_in_store(store) == owners == semantics.owners(scenario.records)
    assert {path: _ok(client, path) for path in answers} == answers
    assert_api_matches(lambda path: _ok(client, path), scenario)


def test_a_rebuild_keeps_a_claim_the_raw_tables_merges_forget(store: Store, client: TestClient):
    """Yingde reports a row first, Qingcheng the same session next, Yingde the same row again:
    Yingde owns it. The raw table keeps only the second copy of Yingde's row (later than
    Qingcheng's); a rebuild from it alone would hand the session to Qingcheng."""
    sid = "douyin:race-1"
    row = snapshot(session_id=sid, county="yingde", source="county_report", gmv_fen=100)
    other = snapshot(session_id=sid, county="qingcheng", source="county_report", gmv_fen=900,
                     observed_at=START + 60 * S)
    log = [Record(row, START + 120 * S, 0, 3), Record(other, START + 130 * S, 0, 5),
           Record(row, START + 300 * S, 0, 10)]
    insert_records(store, log)
    store.command("OPTIMIZE TABLE snapshots FINAL")
    assert store.rows("SELECT kafka_offset FROM snapshots WHERE lane = 'yingde'") == [(10,)]
    rebuild(store)
    assert owners_in_store(store) == semantics.owners(log) == {sid: "yingde"}
    assert _ok(client, f"/v1/sessions/{sid}")["gmv_fen"] == 100


def test_a_county_key_never_sees_a_session_it_does_not_own(store: Store):
    """Issue 22, point 1, on the store: Yingde reports a row for Qingcheng's adapter session."""
    sid = "douyin:QC-777"
    adapter = [Record(snapshot(session_id=sid, county="qingcheng", observed_at=START + i * 60 * S,
                               gmv_fen=1_000_000 * (i + 1), viewers_online=500, orders=i), START + i * 60 * S + S, 0, i)
               for i in range(5)]
    takeover = Record(snapshot(session_id=sid, county="yingde", source="county_report", gmv_fen=99_000_000,
                               observed_at=START + 250 * S, viewers_online=9_999), START + 260 * S, 0, 5)
    mine = Record(snapshot(session_id="douyin:YD-1", county="yingde", source="county_report", gmv_fen=7_000,
                           observed_at=START + 200 * S), START + 262 * S, 1, 0)
    client = api_client(store, api_keys=KEYS)
    insert_records(store, adapter)
    before = {key: _ok(client, "/v1/totals?county=qingcheng", key) for key in (QC, "Bearer all-key")}
    insert_records(store, [takeover, mine])
    scenario = Scenario.of_records([*adapter, takeover, mine])

    assert {key: _ok(client, "/v1/totals?county=qingcheng", key) for key in before} == {
        key: {**figures, "as_of": rfc3339(scenario.watermark)} for key, figures in before.items()}
    qc = _ok(client, f"/v1/sessions/{sid}", QC)
    assert (qc["county"], qc["gmv_fen"], qc["peak_viewers_online"]) == ("qingcheng", 5_000_000, 500)
    assert client.get(f"/v1/sessions/{sid}", headers={"Authorization": YD}).status_code == 404
    yingde = _ok(client, "/v1/totals?county=yingde", YD)
    assert {k: yingde[k] for k in ("sessions", "gmv_fen")} == {"sessions": 1, "gmv_fen": 7_000}
    series = {"metric": "gmv_fen", "from": rfc3339(START - 60 * S), "to": rfc3339(START + 600 * S), "step": "60"}
    assert sum(p["value"] for p in _ok(client, f"/v1/timeseries?{urlencode({**series, 'county': 'yingde'})}",
                                       YD)["points"]) == 7_000
    assert sum(p["value"] for p in _ok(client, f"/v1/timeseries?{urlencode({**series, 'county': 'qingcheng'})}",
                                       QC)["points"]) == 5_000_000
    counties = {c["county"]: c for c in _ok(client, "/v1/counties", "Bearer all-key")["counties"]}
    for county in COUNTIES:
        got = {k: v for k, v in counties[county].items() if k != "county"}
        assert got == expected_totals(scenario.figures, county=county), county
    screen = _ok(client, "/v1/screen", YD)
    assert [room["session_id"] for room in screen["top_rooms"]] == ["douyin:YD-1"]


def test_a_row_dated_290_s_ahead_leaves_the_others_live(store: Store, client: TestClient):
    """Issue 22, point 2: the watermark stops at the broker's clock."""
    live = Record(snapshot(session_id="douyin:QC-1", county="qingcheng", viewers_online=500, observed_at=START),
                  START + S, 0, 0)
    ahead = Record(snapshot(session_id="douyin:YD-2", county="yingde", source="county_report", status="ended",
                            observed_at=START + 291 * S), START + 2 * S, 1, 0)
    insert_records(store, [live, ahead])
    totals = _ok(client, "/v1/totals?county=qingcheng")
    assert (totals["viewers_online"], totals["sessions_live"]) == (500, 1)
    assert _ok(client, "/v1/totals")["as_of"] == rfc3339(START + 2 * S)
    assert store.rows("SELECT toUnixTimestamp64Milli(max(mark)) FROM lane_newest") == [
        (int((START + 2 * S).timestamp() * 1000),)]


def test_as_of_follows_the_owners_and_the_clamped_watermark(store: Store, client: TestClient):
    scenario = mixed(4)
    insert_records(store, scenario.records)
    observed = sorted({r.snapshot.observed_at for r in scenario.records})
    for at in (observed[10], observed[len(observed) // 2], observed[-30], observed[-1] + timedelta(minutes=1)):
        figures = semantics.all_session_figures(scenario.records, as_of=at)
        mark = semantics.watermark(scenario.records, as_of=at)
        q = f"as_of={quote(rfc3339(at))}"
        assert _ok(client, f"/v1/totals?{q}") == {**expected_totals(figures), "as_of": rfc3339(mark)}, at
        counties = {c["county"]: {k: v for k, v in c.items() if k != "county"}
                    for c in _ok(client, f"/v1/counties?{q}")["counties"]}
        assert counties == {county: expected_totals(figures, county=county) for county in COUNTIES}, at


def test_refunds_in_totals_and_sessions(store: Store, client: TestClient):
    a = [Record(snapshot(session_id="channels:r1", county="yingde", observed_at=START + i * 30 * S,
                         gmv_fen=10_000 * (i + 1), refund_fen=500 * i), START + i * 30 * S + S, 0, i) for i in range(3)]
    b = Record(snapshot(session_id="douyin:r2", county="yingde", gmv_fen=40_000), START + 70 * S, 1, 0)
    insert_records(store, [*a, b])
    totals = _ok(client, "/v1/totals?county=yingde")
    assert {k: totals[k] for k in ("gmv_fen", "refund_fen", "refund_sessions", "sessions")} == {
        "gmv_fen": 70_000, "refund_fen": 1_000, "refund_sessions": 1, "sessions": 2}
    assert _ok(client, "/v1/sessions/channels:r1")["refund_fen"] == 1_000
    assert _ok(client, "/v1/sessions/douyin:r2")["refund_fen"] is None
    # A newer reading without refunds: unknown again (the newest reading decides).
    insert_records(store, [Record(snapshot(session_id="channels:r1", county="yingde", observed_at=START + 100 * S,
                                           gmv_fen=31_000), START + 101 * S, 0, 3)])
    totals = _ok(client, "/v1/totals?county=yingde")
    assert (totals["gmv_fen"], totals["refund_fen"], totals["refund_sessions"]) == (71_000, 0, 0)


def test_the_upload_door_refuses_rows_of_a_session_owned_elsewhere(store: Store):
    """Refused before anything is published (no broker here: a publish attempt would be a 503)."""
    insert_records(store, [
        Record(snapshot(session_id="douyin:QC-777", county="qingcheng", gmv_fen=5_000_000), START, 0, 0),
        Record(snapshot(session_id="taobao:QC-8", county="qingcheng", source="county_report"), START, 0, 1),
    ])
    client = api_client(store, api_keys=KEYS, kafka="127.0.0.1:1")
    header = ("县区,平台,直播间ID,场次ID,专场,数据时间,状态,在线人数,累计观看人数,成交订单数,成交件数,"
              "成交金额（元）,直播商品数,商品品类")
    when = datetime(2021, 10, 24, 20, 0, tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S")
    for platform, session in (("抖音", "QC-777"), ("淘宝", "QC-8")):
        body = "\n".join((header, f"英德市,{platform},r,{session},,{when},已结束,,1,1,1,60000.00,1,")).encode()
        response = client.post("/v1/imports", content=body, headers={"Authorization": YD, "Content-Type": "text/csv"})
        assert response.status_code == 422, response.text
        (problem,) = response.json()["problems"]
        assert (problem["row"], problem["column"]) == (2, "场次ID")
        assert "belongs elsewhere" in problem["problem"] and "qingcheng" not in response.text
        assert "清城" not in response.text and "5000000" not in response.text and "50000" not in response.text
    assert _ok(client, "/v1/totals?county=yingde", YD)["sessions"] == 0


def test_migrating_a_store_that_holds_snapshots_keeps_every_figure(store: Store, monkeypatch: pytest.MonkeyPatch):
    """0008 on a database written before it: every stored row counts as an adapter's, appended
    when it was received, and the API answers the contract's figures as before."""
    older = store.in_database(f"{store.database}_before_0008")
    store.command(f"DROP DATABASE IF EXISTS {older.database}")
    store.command(f"CREATE DATABASE {older.database}")
    try:
        monkeypatch.setattr("kernel.migrate.available", lambda: available()[:7])
        migrate(older)
        # Before 0008 no row held refunds.
        scenario = Scenario([s.model_copy(update={"refund_fen": None}) for s in messy(51, 12, 16).snapshots])
        columns = SNAPSHOT_COLUMNS[: SNAPSHOT_COLUMNS.index("appended_at")]
        older.insert("snapshots", [row[: len(columns)] for row in stored_rows(scenario.snapshots)], columns)
        monkeypatch.undo()
        assert [m.version for m in migrate(older)] == [8]
        assert set(owners_in_store(older).values()) == {""}
        assert_api_matches(lambda path: _ok(api_client(older), path), scenario)
    finally:
        store.command(f"DROP DATABASE IF EXISTS {older.database}")
