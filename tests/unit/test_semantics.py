"""Property tests of the contract's semantics: any duplication and any reordering of a
session's snapshots gives the same figures; increases add up to the value."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel import semantics
from tests.support.budget import examples
from tests.support.scenario import START, snapshot

counter = st.integers(min_value=0, max_value=2**53 - 1)


@st.composite
def session_snapshots(draw, session_id: str = "douyin:s1"):  # type: ignore[no-untyped-def]
    offsets = draw(st.lists(st.integers(0, 3600), min_size=1, max_size=12, unique=True))
    return [
        snapshot(
            session_id=session_id,
            observed_at=START + timedelta(seconds=o),
            status=draw(st.sampled_from(["live", "ended"])),
            viewers_online=draw(st.integers(0, 10**6)),
            viewers_total=draw(counter), orders=draw(counter), units_sold=draw(counter), gmv_fen=draw(counter),
            products_listed=draw(st.integers(0, 500)),
            categories=tuple(draw(st.lists(st.sampled_from(["agri", "beauty", "travel"]), max_size=2))),
        )
        for o in offsets
    ]


@given(session_snapshots(), st.randoms(use_true_random=False), st.lists(st.integers(0, 100), max_size=20))
@settings(max_examples=examples(200), deadline=None)
def test_duplicates_and_order_do_not_change_figures(snapshots, rng, picks):
    at = semantics.watermark(snapshots)
    assert at is not None
    messy = list(snapshots) + [snapshots[p % len(snapshots)] for p in picks]
    rng.shuffle(messy)
    assert semantics.session_figures(messy, at) == semantics.session_figures(snapshots, at)


@given(session_snapshots(), st.integers(1, 30))
@settings(max_examples=examples(200), deadline=None)
def test_increases_of_consecutive_intervals_add_up_to_the_value(snapshots, minutes):
    newest = max(snapshots, key=lambda s: s.observed_at)
    edges = [START + timedelta(minutes=minutes * i) for i in range(3600 // (60 * minutes) + 2)]
    for name in semantics.COUNTERS:
        parts = [semantics.increase(snapshots, name, a, b) for a, b in zip(edges, edges[1:], strict=False)]
        assert sum(parts) == getattr(newest, name)


def test_newest_value_stands_even_when_lower():
    snaps = [
        snapshot(observed_at=START, gmv_fen=500),
        snapshot(observed_at=START + timedelta(seconds=60), gmv_fen=300),
    ]
    figures = semantics.session_figures(list(reversed(snaps)), START + timedelta(seconds=60))
    assert figures.gmv_fen == 300
    assert semantics.increase(snaps, "gmv_fen", START + timedelta(seconds=30), START + timedelta(seconds=90)) == -200


def test_online_viewers_count_only_while_live_and_fresh():
    s = snapshot(observed_at=START, viewers_online=42, status="live")
    assert semantics.session_figures([s], START + timedelta(seconds=120)).viewers_online == 42
    stale = semantics.session_figures([s], START + timedelta(seconds=121))
    assert (stale.viewers_online, stale.live, stale.peak_viewers_online) == (0, False, 42)
    ended = snapshot(observed_at=START, viewers_online=42, status="ended")
    assert semantics.session_figures([ended], START).viewers_online == 0


def test_products_and_categories_over_the_session():
    snaps = [
        snapshot(observed_at=START, products_listed=30, categories=("agri",)),
        snapshot(observed_at=START + timedelta(seconds=5), products_listed=12, categories=("beauty", "agri")),
    ]
    figures = semantics.session_figures(snaps, START + timedelta(seconds=5))
    assert (figures.products_listed, figures.products_listed_max) == (12, 30)
    assert figures.categories == ("agri", "beauty")


def test_county_totals_are_sums_over_sessions():
    snaps = [
        snapshot(session_id="a:1", county="yingde", gmv_fen=100, orders=1),
        snapshot(session_id="a:2", county="yingde", gmv_fen=250, orders=2),
        snapshot(session_id="a:3", county="city", gmv_fen=7, orders=1),
    ]
    figures = semantics.all_session_figures(snaps)
    yingde = semantics.totals(f for f in figures.values() if f.county == "yingde")
    city = semantics.totals(figures.values())
    assert yingde == semantics.Totals(gmv_fen=350, orders=3, units_sold=0, viewers_total=0, viewers_online=0,
                                      sessions=2, sessions_live=2)
    assert city == semantics.Totals(gmv_fen=357, orders=4, units_sold=0, viewers_total=0, viewers_online=0,
                                    sessions=3, sessions_live=3)


def test_totals_sum_every_figure():
    """All seven totals, each from different numbers, so a figure summed into the wrong field,
    subtracted or left out shows."""
    at = START + timedelta(minutes=10)
    snaps = [
        snapshot(session_id="a:1", observed_at=at, gmv_fen=1_000, orders=10, units_sold=20, viewers_total=300,
                 viewers_online=40),
        snapshot(session_id="a:2", observed_at=at - timedelta(seconds=30), gmv_fen=2_000, orders=11, units_sold=21,
                 viewers_total=301, viewers_online=41),
        # Stale at the watermark (121 s old): counted in the counters, not online, not live.
        snapshot(session_id="a:3", observed_at=at - timedelta(seconds=121), gmv_fen=5, orders=1, units_sold=2,
                 viewers_total=3, viewers_online=4),
    ]
    assert semantics.totals(semantics.all_session_figures(snaps).values()) == semantics.Totals(
        gmv_fen=3_005, orders=22, units_sold=43, viewers_total=604, viewers_online=81, sessions=3, sessions_live=2
    )
    assert semantics.totals([]) == semantics.Totals(0, 0, 0, 0, 0, 0, 0)


def test_timeseries_counter_buckets_and_gauge_after_watermark():
    snaps = [
        snapshot(observed_at=START + timedelta(seconds=10), gmv_fen=100, viewers_online=5),
        snapshot(observed_at=START + timedelta(seconds=70), gmv_fen=160, viewers_online=7),
    ]
    step = timedelta(minutes=1)
    assert [v for _, v in semantics.timeseries(snaps, "gmv_fen", START, step, 3)] == [100, 60, 0]
    assert [v for _, v in semantics.timeseries(snaps, "viewers_online", START, step, 3)] == [5, 7, 0]
