"""Amendment 1.1 in the reference semantics: who owns a session (adapter over county reports,
else the first reporter in log order), the clock-safe watermark, and refunds. Properties
over any interleaving, duplication and reordering of the log, plus the cases by hand."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel import semantics
from kernel.semantics import Record
from tests.support.budget import examples
from tests.support.scenario import START, snapshot

S = timedelta(seconds=1)
SID = "douyin:QC-777"
COUNTIES = ("qingcheng", "yingde", "lianzhou")


def rec(at: int, offset: int, partition: int = 0, **fields: object) -> Record:
    """A record appended `at` seconds after START (observed then too unless given)."""
    fields.setdefault("observed_at", START + at * S)
    return Record(snapshot(session_id=SID, **fields), START + at * S, partition, offset)


@st.composite
def logs(draw, adapters: bool = True):  # type: ignore[no-untyped-def]
    """One session's log: records from adapters (maybe) and from county reports of several
    counties, at distinct positions, observed around their append time."""
    n = draw(st.integers(1, 10))
    seconds = draw(st.lists(st.integers(0, 3000), min_size=n, max_size=n, unique=True))
    # Distinct identities: a repeated identity with other figures is a correction, tested apart.
    observed = draw(st.lists(st.integers(-600, 3300), min_size=n, max_size=n, unique=True))
    records = []
    for offset, (at, seen) in enumerate(zip(sorted(seconds), observed, strict=True)):
        source = draw(st.sampled_from(("adapter", "county_report") if adapters else ("county_report",)))
        records.append(Record(
            snapshot(session_id=SID, source=source, county=draw(st.sampled_from(COUNTIES)),
                     observed_at=START + seen * S,
                     status=draw(st.sampled_from(["live", "ended"])), viewers_online=draw(st.integers(0, 9)),
                     gmv_fen=draw(st.integers(0, 10**6)), orders=draw(st.integers(0, 99)),
                     refund_fen=draw(st.none() | st.integers(0, 10**5)), products_listed=draw(st.integers(0, 9))),
            START + at * S, draw(st.integers(0, 2)), offset))
    return records


@given(logs(), st.randoms(use_true_random=False))
@settings(max_examples=examples(200), deadline=None)
def test_the_owner_and_figures_depend_on_log_positions_not_on_list_order(log, rng):
    shuffled = list(log)
    rng.shuffle(shuffled)
    assert semantics.owners(shuffled) == semantics.owners(log)
    assert semantics.all_session_figures(shuffled) == semantics.all_session_figures(log)


@given(logs(), st.lists(st.integers(0, 100), min_size=1, max_size=5))
@settings(max_examples=examples(200), deadline=None)
def test_redelivered_records_change_nothing(log, picks):
    """A copy delivered again later in the log (a retry, the same file uploaded again)."""
    last = max(r.offset for r in log)
    end = max(r.appended_at for r in log)
    again = [Record(log[p % len(log)].snapshot, end + n * S, 0, last + 1 + n) for n, p in enumerate(picks)]
    assert semantics.owners(log + again) == semantics.owners(log)
    # The same counting snapshots (a later copy may still move the watermark: it was appended later).
    assert semantics.distinct(semantics.counting(log + again)[SID]) == semantics.distinct(semantics.counting(log)[SID])


@given(logs())
@settings(max_examples=examples(200), deadline=None)
def test_adapter_beats_county_reports_wherever_it_arrives(log):
    adapters = [r for r in log if r.snapshot.source == "adapter"]
    figures = semantics.all_session_figures(log)
    if adapters:
        assert semantics.owners(log) == {SID: ""}
        at = semantics.watermark(log)
        assert at is not None
        assert figures[SID] == semantics.session_figures([r.snapshot for r in sorted(adapters, key=_pos)], at)


@given(logs(adapters=False))
@settings(max_examples=examples(200), deadline=None)
def test_the_first_reporter_in_log_order_owns_and_others_never_count(log):
    first = min(log, key=_pos).snapshot.county
    assert semantics.owners(log) == {SID: first}
    counted = semantics.counting(log)[SID]
    assert {s.county for s in counted} == {first}
    assert len(counted) == sum(r.snapshot.county == first for r in log)
    # Whatever any other county adds afterwards counts for nothing.
    other = next(c for c in COUNTIES if c != first)
    late = max(log, key=_pos)
    foreign = Record(snapshot(session_id=SID, source="county_report", county=other, gmv_fen=10**9,
                              observed_at=late.snapshot.observed_at + S), late.appended_at + S, 0, late.offset + 1)
    assert semantics.owners(log + [foreign]) == {SID: first}
    assert semantics.counting(log + [foreign]) == semantics.counting(log)


def _pos(r: Record) -> tuple[object, ...]:
    return r.position


def test_a_late_adapter_takes_the_session_over_from_the_reports():
    report = rec(0, 0, source="county_report", county="qingcheng", gmv_fen=900, refund_fen=5)
    adapter = rec(600, 1, gmv_fen=400)
    assert semantics.owners([report]) == {SID: "qingcheng"}
    assert semantics.all_session_figures([report])[SID].gmv_fen == 900
    figures = semantics.all_session_figures([report, adapter])[SID]
    assert (figures.gmv_fen, figures.refund_fen, figures.first_observed_at) == (400, None, START + 600 * S)


def test_log_order_is_append_time_then_partition_then_offset():
    # A yingde row in partition 5 (offset 0) was appended before a qingcheng row in partition 1
    # (offset 9): the topic grew mid-festival and the key moved; offsets alone would mislead.
    qingcheng = rec(10, 9, partition=1, source="county_report", county="qingcheng")
    yingde = rec(5, 0, partition=5, source="county_report", county="yingde")
    assert semantics.owners([qingcheng, yingde]) == {SID: "yingde"}
    same_ms = rec(5, 3, partition=2, source="county_report", county="lianzhou")
    assert semantics.owners([qingcheng, yingde, same_ms]) == {SID: "lianzhou"}  # partition 2 < 5


def test_the_watermark_never_passes_the_broker_clock():
    """Issue 22 point 2: a row dated 290 s ahead of its append time moves the watermark to
    its append time only; the other county's live session stays live."""
    live = Record(snapshot(session_id="douyin:QC-1", county="qingcheng", viewers_online=500,
                           observed_at=START), START, 0, 0)
    ahead = Record(snapshot(session_id="douyin:YD-1", county="yingde", source="county_report",
                            observed_at=START + 290 * S), START + S, 1, 0)
    assert semantics.watermark([live, ahead]) == START + S
    figures = semantics.all_session_figures([live, ahead])
    assert (figures["douyin:QC-1"].live, figures["douyin:QC-1"].viewers_online) == (True, 500)
    # Before 1.1 the mark was START + 290 s: Qingcheng's session, 290 s old, went stale.
    assert semantics.all_session_figures([live.snapshot, ahead.snapshot])["douyin:QC-1"].viewers_online == 0
    # Bare snapshots are appended at their own time: the mark is their observed_at.
    assert semantics.watermark([live.snapshot, ahead.snapshot]) == START + 290 * S


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(-300, 300)), min_size=1, max_size=20))
@settings(max_examples=examples(200), deadline=None)
def test_the_watermark_is_the_greatest_clamped_event_time(pairs):
    records = [Record(snapshot(session_id=f"douyin:{n}", observed_at=START + (at + ahead) * S), START + at * S, 0, n)
               for n, (at, ahead) in enumerate(pairs)]
    mark = semantics.watermark(records)
    assert mark == max(min(START + (at + ahead) * S, START + at * S) for at, ahead in pairs)
    assert mark is not None and mark <= max(r.appended_at for r in records)


def test_foreign_snapshots_still_move_the_watermark():
    """The watermark is over every accepted snapshot: one that does not count is still event time seen."""
    owner = rec(0, 0, source="county_report", county="qingcheng")
    foreign = rec(100, 1, source="county_report", county="yingde")
    assert semantics.watermark([owner, foreign]) == START + 100 * S
    assert semantics.all_session_figures([owner, foreign])[SID].observed_at == START


def test_as_of_keeps_the_owner_the_whole_log_decides():
    report = rec(0, 0, source="county_report", county="qingcheng", gmv_fen=900)
    adapter = rec(600, 1, gmv_fen=400)
    assert semantics.all_session_figures([report, adapter], as_of=START + 60 * S) == {}
    assert semantics.watermark([report, adapter], as_of=START + 60 * S) == START
    assert semantics.all_session_figures([report, adapter], as_of=START + 600 * S)[SID].gmv_fen == 400


def test_refund_is_the_newest_counting_snapshots_and_known_only_when_reported():
    a = rec(0, 0, gmv_fen=1000, refund_fen=100)
    b = rec(60, 1, gmv_fen=1200, refund_fen=150)
    silent = rec(120, 2, gmv_fen=1300)
    assert semantics.all_session_figures([a, b])[SID].refund_fen == 150
    assert semantics.all_session_figures([a, b, silent])[SID].refund_fen is None
    snaps = [a.snapshot, b.snapshot, silent.snapshot]
    assert semantics.increase(snaps, "refund_fen", START, START + 61 * S) == 150
    assert semantics.increase(snaps, "refund_fen", START + 61 * S, START + 200 * S) == -150
    assert semantics.refund_known_before(snaps, START + 61 * S)
    assert not semantics.refund_known_before(snaps, START + 200 * S)
    assert not semantics.refund_known_before(snaps, START)
    totals = semantics.totals([semantics.session_figures([a.snapshot, b.snapshot], START),
                               semantics.session_figures([silent.snapshot], START)])
    assert (totals.gmv_fen, totals.refund_fen, totals.refund_sessions, totals.sessions) == (2500, 150, 1, 2)


def test_a_superseding_copy_decides_the_refund():
    first = rec(0, 0, gmv_fen=1000, refund_fen=100)
    again = Record(first.snapshot.model_copy(update={"refund_fen": None, "gmv_fen": 1100}), START + 5 * S, 0, 1)
    figures = semantics.all_session_figures([first, again])[SID]
    assert (figures.gmv_fen, figures.refund_fen) == (1100, None)
