"""What a platform adapter with a bug or a bad clock can send, on the real broker and
engine: poison among valid snapshots in one batch, a future-dated snapshot, a backfill
spanning more than 100 months. Nothing valid is lost, nothing stalls, no live figure
freezes, and every poison message reaches the dead-letter topic intact with its reason."""

import base64
import json
from datetime import UTC, datetime

from kernel import semantics
from kernel.timeutil import SHANGHAI
from tests.support.checks import assert_api_matches
from tests.support.pipeline import wait_until
from tests.support.poison import poison
from tests.support.scenario import expected_session, messy, snapshot


def test_poison_among_valid_snapshots_in_one_batch(make_pipeline):
    scenario = messy(seed=51, sessions=20, polls=20)
    bad = poison()
    pipeline = make_pipeline()
    # Everything is in the topic before the aggregator starts, so its first fetch holds the
    # valid snapshots and the poison interleaved in one batch.
    messages: list[tuple[bytes | None, bytes]] = []
    step = max(1, len(scenario.snapshots) // len(bad))
    for i, s in enumerate(scenario.snapshots):
        messages.append((s.session_id.encode(), s.to_json_bytes()))
        if i % step == 0 and i // step < len(bad):
            key, value, _ = bad[i // step]
            messages.append((key, value))
    pipeline.publish_raw(messages)
    pipeline.start()

    wait_until(pipeline.consumed_offsets_caught_up, 90, "the aggregator to commit every offset")
    assert_api_matches(pipeline.json, scenario)
    letters = [json.loads(raw) for raw in pipeline.dead_letters(expected=len(bad))]
    got = sorted((base64.b64decode(x["value_b64"]), x["reason"]) for x in letters)
    assert got == sorted((value, reason) for _, value, reason in bad)
    keys = {base64.b64decode(x["key_b64"]) for x in letters if x["key_b64"] is not None}
    assert keys == {key for key, _, _ in bad if key is not None}
    assert pipeline.aggregator_metric("livefest_aggregator_snapshots_rejected_total", reason="from_the_future") == 1


def test_a_future_dated_snapshot_is_refused_and_freezes_nothing(pipeline):
    now = datetime.now(UTC).replace(microsecond=0)
    live = [snapshot(session_id=f"douyin:now-{n}", observed_at=now, viewers_online=100 + n, gmv_fen=n)
            for n in range(5)]
    pipeline.publish(live)
    pipeline.wait_for_sessions(5)
    before = pipeline.json("/v1/totals")
    assert (before["sessions_live"], before["viewers_online"]) == (5, 510)

    # An adapter stamping Beijing wall time as UTC: eight hours ahead of everyone.
    local_as_utc = now.astimezone(SHANGHAI).replace(tzinfo=UTC)
    ahead = snapshot(session_id="douyin:bad-clock", observed_at=local_as_utc, viewers_online=99_999, gmv_fen=7)
    pipeline.publish([ahead])
    letters = [json.loads(raw) for raw in pipeline.dead_letters(expected=1)]
    assert [x["reason"] for x in letters] == ["from_the_future"]
    assert "clock" in letters[0]["detail"]
    wait_until(pipeline.consumed_offsets_caught_up, 60, "the aggregator to commit every offset")
    assert pipeline.json("/v1/totals") == before  # as_of, online viewers and live sessions unmoved


def test_a_backfill_spanning_more_than_100_months_in_one_partition(make_pipeline):
    months = [datetime(2011 + m // 12, m % 12 + 1, 15, 4, 0, tzinfo=UTC) for m in range(120)]
    archive = [snapshot(session_id="douyin:archive", observed_at=t, status="live" if i < 119 else "ended",
                        gmv_fen=1000 * i, orders=i, viewers_total=10 * i, viewers_online=i)
               for i, t in enumerate(months)]
    pipeline = make_pipeline()
    pipeline.publish(archive)  # one key, so one partition, all in the first fetch
    pipeline.start()
    wait_until(pipeline.consumed_offsets_caught_up, 90, "the aggregator to commit every offset")
    figures = semantics.all_session_figures(archive)["douyin:archive"]
    assert pipeline.json("/v1/sessions/douyin:archive") == expected_session(figures, archive[-1].observed_at)
    totals = pipeline.json("/v1/totals")
    assert (totals["gmv_fen"], totals["orders"], totals["sessions"]) == (119_000, 119, 1)
    assert not pipeline.dead_letters(expected=0, timeout_s=2)


