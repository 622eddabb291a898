"""/v1/timeseries costs what its range holds, not what all history holds (issue 11).

Cost is ClickHouse's own statistic (rows read), so it does not depend on the machine's
speed. The same day is asked with 1 and with 60 days of history before it; the answers are
held to the reference semantics in both cases.
"""

from datetime import UTC, datetime, timedelta

import pytest

from kernel import semantics
from kernel.clickhouse import Store
from services.aggregator.rows import SNAPSHOT_COLUMNS
from services.api import queries
from tests.support.scenario import snapshot, stored_rows

pytestmark = pytest.mark.engine

DAY = datetime(2021, 10, 23, tzinfo=UTC)
SESSIONS_PER_DAY = 4
MINUTES = 90  # each session: one snapshot a minute for an hour and a half


def day_of_sessions(day: datetime, tag: str, source: str = "adapter"):  # type: ignore[no-untyped-def]
    """Sessions starting across `day`; the last one runs past its midnight."""
    out = []
    for n in range(SESSIONS_PER_DAY):
        begin = day + timedelta(hours=6 * n + 4 * (n == SESSIONS_PER_DAY - 1), minutes=7)
        for m in range(MINUTES):
            out.append(snapshot(
                session_id=f"douyin:s{n}-{tag}", observed_at=begin + timedelta(minutes=m, seconds=13),
                viewers_online=10 + m, viewers_total=100 * m, orders=m, units_sold=2 * m, gmv_fen=1999 * m,
                status="live" if m < MINUTES - 1 else "ended", source=source,
            ))  # fmt: skip
    return out


def insert(store: Store, snapshots) -> None:  # type: ignore[no-untyped-def]
    rows = stored_rows(snapshots)
    for i in range(0, len(rows), 2000):
        store.insert("snapshots", rows[i : i + 2000], SNAPSHOT_COLUMNS)


def series_params(metric: str, wm: datetime) -> dict[str, object]:
    start_s = int(DAY.timestamp())
    return {
        "start_s": start_s, "end_s": start_s + 86400, "step_s": 3600, "buckets": 24, "county": None,
        "stale_us": 120_000_000, "wm": int(wm.timestamp() * 1_000_000), "metric": metric,
    }  # fmt: skip


def cost_and_answer(store: Store, history_days: int, source: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    # Rows are read by whole granules of whole parts: with merges stopped, the parts are
    # what the inserts made (one a day, as an aggregator writing all along would leave
    # them before merging), so the count is deterministic.
    for table in ("snapshots", "lane_newest", "lane_closings", "session_claims"):
        store.command(f"SYSTEM STOP MERGES {store.database}.{table}")
    snapshots = []
    for back in range(history_days, -1, -1):
        day = day_of_sessions(DAY - timedelta(days=back), f"d{back}", source)
        insert(store, day)
        snapshots += day
    wm = semantics.watermark(snapshots)
    assert wm is not None
    costs, answers = {}, {}
    for metric in ("gmv_fen", "viewers_online"):
        sql = queries.COUNTER_SERIES if metric != "viewers_online" else queries.ONLINE_SERIES
        params = series_params(metric, wm)
        # The least of three: anything else reading meanwhile only adds.
        costs[metric] = min(store.read_rows(sql, params) for _ in range(3))
        got = dict(store.rows(sql, params))
        answers[metric] = [int(got.get(i, 0)) for i in range(24)]
        truth = semantics.timeseries(snapshots, metric, DAY, timedelta(hours=1), 24, at=wm)
        assert answers[metric] == [v for _, v in truth], metric
    return costs, answers


@pytest.mark.parametrize("source", ["adapter", "county_report"])
def test_one_day_costs_the_same_with_1_and_60_days_of_history(store: Store, source: str):
    short_db = store.in_database(store.database + "_short")
    store.command(f"CREATE DATABASE IF NOT EXISTS {short_db.database}")
    try:
        from kernel.migrate import migrate

        migrate(short_db)
        short_cost, short_answer = cost_and_answer(short_db, 1, source)
    finally:
        store.command(f"DROP DATABASE IF EXISTS {short_db.database}")
    long_cost, long_answer = cost_and_answer(store, 60, source)
    assert long_answer == short_answer
    # Not one more minute closing read. Counters look up the range's sessions in
    # lane_newest (one row per session ever, ordered by session_id), whose parts are
    # read whole when they hold any of them: that index, 4 rows a day here against 360
    # closings, is all that grows.
    # Owners (contract 1.1): an adapter's lane owns wherever it exists, so adapters' series
    # look nobody up; county reports' sessions are looked up in session_claims (one row per
    # session and lane ever, ordered by session_id), an index as small as the one above, by
    # each of the two uses of the range's owned sessions in the counters' query.
    extra_sessions = 59 * SESSIONS_PER_DAY
    lookups = 0 if source == "adapter" else extra_sessions
    assert long_cost["viewers_online"] - short_cost["viewers_online"] <= lookups, (short_cost, long_cost)
    assert long_cost["gmv_fen"] - short_cost["gmv_fen"] <= extra_sessions + 2 * lookups, (short_cost, long_cost)
