"""The contract's semantics exactly at its edges: snapshots on a bucket's start and end, on the
watermark, at the staleness bound, and a bound other than the default. Every expected value
is worked out by hand from contract section 2."""

from datetime import timedelta

import pytest

from kernel import semantics
from tests.support.scenario import START, snapshot

S = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


def test_no_snapshot_no_watermark():
    assert semantics.watermark([]) is None
    assert semantics.all_session_figures([]) == {}
    assert [v for _, v in semantics.timeseries([], "viewers_online", START, MINUTE, 2)] == [0, 0]


def test_a_session_needs_a_snapshot():
    with pytest.raises(ValueError, match="^a session needs at least one snapshot$"):
        semantics.session_figures([], START)


def test_session_figures_in_full():
    snaps = [
        snapshot(session_id="taobao:t1", room_id="room-9", county="yingde", platform="taobao", special="rural",
                 observed_at=START + 10 * S, status="live", viewers_online=30, viewers_total=100, orders=2,
                 units_sold=3, gmv_fen=400, products_listed=8, categories=("agri",)),
        snapshot(session_id="taobao:t1", room_id="room-9", county="yingde", platform="taobao", special="rural",
                 observed_at=START + 70 * S, status="ended", viewers_online=12, viewers_total=150, orders=5,
                 units_sold=6, gmv_fen=900, products_listed=4, categories=("beauty",)),
    ]
    assert semantics.session_figures(snaps, START + 70 * S) == semantics.SessionFigures(
        session_id="taobao:t1", room_id="room-9", county="yingde", platform="taobao", special="rural",
        status="ended", live=False, observed_at=START + 70 * S, first_observed_at=START + 10 * S,
        viewers_online=0, peak_viewers_online=30, viewers_total=150, orders=5, units_sold=6, gmv_fen=900,
        products_listed=4, products_listed_max=8, categories=("agri", "beauty"),
    )


def test_a_shorter_staleness_bound_is_honoured_everywhere():
    s = snapshot(observed_at=START, viewers_online=42)
    short = timedelta(seconds=30)
    at = START + 60 * S  # fresh under the default 120 s, stale under 30 s
    assert semantics.session_figures([s], at).live is True
    assert semantics.session_figures([s], at, short).live is False
    assert semantics.session_figures([s], START + 30 * S, short).viewers_online == 42  # exactly at the bound
    later = snapshot(session_id="douyin:s2", observed_at=at)  # moves the watermark to `at`
    assert semantics.all_session_figures([s, later], short)["douyin:s1"].live is False
    assert semantics.all_session_figures([s, later])["douyin:s1"].live is True
    assert semantics.online_at([s], at, short) == 0
    assert semantics.online_at([s], at) == 42
    series = semantics.timeseries([s, later], "viewers_online", START, MINUTE, 2, short)
    assert [v for _, v in series] == [0, 0]  # [START, +1m): s is 60 s old at the bucket's end; then the watermark
    assert [v for _, v in semantics.timeseries([s, later], "viewers_online", START, MINUTE, 2)] == [42, 42]


def test_online_at_counts_only_snapshots_strictly_before_the_instant():
    early = snapshot(observed_at=START, viewers_online=10)
    on_the_minute = snapshot(observed_at=START + MINUTE, viewers_online=99)
    assert semantics.online_at([early, on_the_minute], START + MINUTE) == 10
    assert semantics.online_at([early, on_the_minute], START + MINUTE + S) == 99
    assert semantics.online_at([on_the_minute], START + MINUTE) == 0  # nothing before it
    assert semantics.online_at([], START) == 0


def test_online_at_is_zero_when_the_newest_earlier_snapshot_is_stale_or_ended():
    s = snapshot(observed_at=START, viewers_online=10)
    assert semantics.online_at([s], START + 120 * S) == 10  # exactly at the bound: still current
    assert semantics.online_at([s], START + 121 * S) == 0
    ended = snapshot(observed_at=START + S, viewers_online=10, status="ended")
    assert semantics.online_at([s, ended], START + 2 * S) == 0


def test_counter_increase_on_bucket_edges():
    # A snapshot exactly on a bucket's start belongs to that bucket, not the one before.
    snaps = [snapshot(observed_at=START, gmv_fen=100), snapshot(observed_at=START + MINUTE, gmv_fen=250)]
    assert semantics.increase(snaps, "gmv_fen", START, START + MINUTE) == 100
    assert semantics.increase(snaps, "gmv_fen", START + MINUTE, START + 2 * MINUTE) == 150
    series = semantics.timeseries(snaps, "gmv_fen", START, MINUTE, 2)
    assert series == [(START, 100), (START + MINUTE, 150)]


def test_online_viewers_with_the_watermark_on_a_bucket_edge():
    """The watermark (the newest snapshot, 7 online) falls exactly on the second bucket's start.
    First bucket [0, 1m): just before its end, the newest earlier snapshot says 5 (the one on
    the edge is not before it). Second bucket [1m, 2m): it holds the watermark, so the figure
    is as of the watermark: 7. Third bucket: after the watermark, 0."""
    snaps = [
        snapshot(observed_at=START + 10 * S, viewers_online=5),
        snapshot(observed_at=START + MINUTE, viewers_online=7),
    ]
    series = semantics.timeseries(snaps, "viewers_online", START, MINUTE, 3)
    assert series == [(START, 5), (START + MINUTE, 7), (START + 2 * MINUTE, 0)]
    # Passed explicitly, a watermark strictly inside the first bucket ends the series there.
    inside = semantics.timeseries(snaps[:1], "viewers_online", START, MINUTE, 2, at=START + 30 * S)
    assert [v for _, v in inside] == [5, 0]


def test_online_at_the_watermark_takes_each_sessions_newest_snapshot():
    a = [snapshot(session_id="douyin:a", observed_at=START + i * 10 * S, viewers_online=v)
         for i, v in enumerate((3, 4, 8))]
    # b's newest is 150 s before the watermark: stale, so it adds nothing (not even 1).
    b = [snapshot(session_id="douyin:b", observed_at=START - 130 * S, viewers_online=50)]
    series = semantics.timeseries(a + b, "viewers_online", START, MINUTE, 1)
    assert series == [(START, 8)]


def test_an_unknown_metric_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^unknown metric 'peak'$"):
        semantics.timeseries([snapshot()], "peak", START, MINUTE, 1)
