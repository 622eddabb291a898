"""Every ClickHouse panel of the shipped dashboards runs against the migrated schema, with
Grafana's macros expanded, and the big-screen figures equal the contract's."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kernel import semantics
from kernel.clickhouse import Store
from schemas.topic_stats import FESTIVAL_HASHTAG, TopicStats
from services.aggregator.rows import TOPIC_STATS_COLUMNS, topic_stats_row
from tests.engine.test_api_figures import insert
from tests.support.grafana import CLICKHOUSE_PLUGIN, DASHBOARDS, Query, expand, queries
from tests.support.scenario import START, expected_totals, messy

pytestmark = pytest.mark.engine

# Written out by hand: the names the big screen gives the contract's codes.
COUNTY_NAMES = {"city": "清远市", "qingcheng": "清城区", "qingxin": "清新区", "yingde": "英德市", "lianzhou": "连州市",
                "fogang": "佛冈县", "yangshan": "阳山县", "lianshan": "连山壮族瑶族自治县", "liannan": "连南瑶族自治县"}
PLATFORM_NAMES = {"douyin": "抖音电商", "taobao": "淘宝直播", "weishi": "微视", "channels": "视频号", "aiguang": "爱逛",
                  "yizhibo": "一直播", "miniprogram": "小程序", "kuaishou": "快手"}

CLICKHOUSE_QUERIES = [q for path in DASHBOARDS for q in queries(path) if q.datasource["type"] == CLICKHOUSE_PLUGIN]


def run(store: Store, query: Query, county: str = "all") -> list[dict[str, Any]]:
    # The range spans the scenario's event time and the wall-clock received_at of the inserts.
    start = int((START - timedelta(hours=1)).timestamp())
    end = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    return store.dicts(expand(query.text, start, end, 60, {"county": county}))


def by_title(prefix: str) -> Query:
    (found,) = [q for q in CLICKHOUSE_QUERIES if prefix in q.title]
    return found


def test_there_are_clickhouse_panels_on_both_dashboards():
    assert {q.dashboard for q in CLICKHOUSE_QUERIES} == {"livefest-operations", "livefest-bigscreen"}
    assert len(CLICKHOUSE_QUERIES) >= 10


@pytest.mark.parametrize("query", CLICKHOUSE_QUERIES, ids=lambda q: f"{q.dashboard}:{q.panel_id}")
def test_every_clickhouse_panel_returns_rows(store: Store, query: Query):
    insert(store, messy(seed=41, sessions=27, polls=12))
    everything = run(store, query)
    assert everything, f"{query.title}: no rows"
    if "${county" in query.text:
        # Yingde has sessions in this scenario, but not all of them: a filtered panel shows fewer.
        yingde = run(store, query, county="yingde")
        assert yingde and yingde != everything, query.title


def test_big_screen_figures_equal_the_contract(store: Store):
    scenario = messy(seed=42, sessions=27, polls=12)
    insert(store, scenario)
    truth = expected_totals(scenario.figures)
    (gmv,) = run(store, by_title("City GMV"))
    assert gmv["gmv_yuan"] == Decimal(truth["gmv_fen"]) / 100
    assert run(store, by_title("Orders")) == [{"orders": truth["orders"]}]
    assert run(store, by_title("Units sold")) == [{"units_sold": truth["units_sold"]}]
    (online,) = run(store, by_title("Viewers online · "))
    assert online == {"viewers_online": truth["viewers_online"], "live_sessions": truth["sessions_live"]}
    ranking = run(store, by_title("County ranking"))
    assert {row["county_name"]: row["gmv_yuan"] for row in ranking} == {
        name: Decimal(expected_totals(scenario.figures, county=code)["gmv_fen"]) / 100
        for code, name in COUNTY_NAMES.items()}
    assert [row["gmv_yuan"] for row in ranking] == sorted((row["gmv_yuan"] for row in ranking), reverse=True)
    platforms = run(store, by_title("GMV by platform"), county="yingde")
    want = {PLATFORM_NAMES[code]: Decimal(t["gmv_fen"]) / 100 for code in PLATFORM_NAMES
            if (t := expected_totals(scenario.figures, county="yingde", platform=code))["sessions"]}
    assert {row["platform_name"]: row["gmv_yuan"] for row in platforms} == want
    assert [row["gmv_yuan"] for row in platforms] == sorted(want.values(), reverse=True)
    specials = {row["special_name"].split()[-1]: row for row in run(store, by_title("Specials"))}
    for special in ("launch", "rural", "fashion"):
        want = expected_totals(scenario.figures, special=special)
        assert specials[special]["sessions"] == want["sessions"]
        assert specials[special]["gmv_yuan"] == Decimal(want["gmv_fen"]) / 100


def test_gmv_per_interval_is_the_contracts_timeseries(store: Store):
    scenario = messy(seed=43, sessions=20, polls=12)
    insert(store, scenario)
    series = run(store, by_title("GMV per interval"))
    assert sum(row["gmv_yuan"] for row in series) == Decimal(expected_totals(scenario.figures)["gmv_fen"]) / 100
    start = min(s.observed_at for s in scenario.snapshots).replace(second=0, microsecond=0)
    buckets = int((scenario.watermark - start) / timedelta(minutes=1)) + 1
    truth = semantics.timeseries(scenario.snapshots, "gmv_fen", start, timedelta(minutes=1), buckets)
    got = {row["time"].replace(tzinfo=UTC): row["gmv_yuan"] for row in series if row["gmv_yuan"]}
    assert got == {t.astimezone(UTC): Decimal(v) / 100 for t, v in truth if v}


def test_freshness_by_platform_shows_each_platforms_newest_snapshot(store: Store):
    scenario = messy(seed=45, sessions=16, polls=8)
    insert(store, scenario)
    rows = {row["platform"]: row for row in run(store, by_title("Freshness by platform"))}
    assert set(rows) == {s.platform for s in scenario.snapshots}
    for platform, row in rows.items():
        mine = [s for s in scenario.snapshots if s.platform == platform]
        assert row["newest_observed_at"].replace(tzinfo=UTC) == max(s.observed_at for s in mine)
        # Exact copies may or may not have been merged away yet.
        assert len(semantics.distinct(mine)) <= row["snapshots"] <= len(mine)
        assert 0 <= row["seconds_since_last_received"] <= 60
    received = run(store, by_title("Snapshots received per interval"))
    assert sum(row["snapshots"] for row in received) == sum(row["snapshots"] for row in rows.values())


def test_silent_sessions_table_lists_the_rooms_the_gauge_counts(store: Store):
    scenario = messy(seed=44, sessions=20, polls=12)
    insert(store, scenario)
    silent = {f.session_id for f in scenario.figures.values() if f.status == "live" and not f.live}
    assert {row["session_id"] for row in run(store, by_title("Silent live sessions"))} == silent


def test_specials_panel_shows_hashtag_reads_against_the_target(store: Store):
    scenario = messy(seed=43, sessions=12, polls=6)
    insert(store, scenario)
    readings = [
        ("douyin", "launch", START, 400_000, 0), ("douyin", "launch", START + timedelta(minutes=5), 450_000, 1),
        ("douyin", "launch", START + timedelta(minutes=1), 420_000, 2),  # late, older: the newest stands
        ("weishi", "launch", START, 50_000, 0), ("douyin", "rural", START, 125_000, 3),
    ]
    store.insert("topic_stats", [
        topic_stats_row(TopicStats.model_validate({
            "schema": "livefest.topicstats.v1", "platform": platform, "topic": FESTIVAL_HASHTAG,
            "special": special, "observed_at": at, "reads": reads}, strict=False), 0, offset, datetime.now(UTC))
        for platform, special, at, reads, offset in readings
    ], TOPIC_STATS_COLUMNS)
    rows = {row["special_name"].split()[-1]: row for row in run(store, by_title("Specials"))}
    assert (rows["launch"]["hashtag_reads"], rows["launch"]["hashtag_target_reads"]) == (500_000, 1_000_000)
    assert rows["launch"]["hashtag_progress_percent"] == Decimal("50")
    assert (rows["rural"]["hashtag_reads"], rows["rural"]["hashtag_progress_percent"]) == (125_000, Decimal("25"))
    assert rows["fashion"]["hashtag_reads"] == 0



def test_viewers_online_curve_is_the_contracts_timeseries(store: Store):
    scenario = messy(seed=46, sessions=16, polls=12)
    insert(store, scenario)
    got = {row["time"].replace(tzinfo=UTC): row["viewers_online"] for row in run(store, by_title("在线观看曲线"))}
    start = min(s.observed_at for s in scenario.snapshots).replace(second=0, microsecond=0)
    buckets = int((scenario.watermark - start) / timedelta(minutes=1)) + 1
    truth = semantics.timeseries(scenario.snapshots, "viewers_online", start, timedelta(minutes=1), buckets)
    # The panel leaves out intervals with nobody online (Grafana draws them as 0).
    expected = {t.astimezone(UTC): v for t, v in truth if v}
    assert expected, "the scenario has nobody online: the comparison would prove nothing"
    assert {t: v for t, v in got.items() if v} == expected
