"""The bounds on event time, exactly at their edges (contract section 1): not before
2000-01-01T00:00:00Z, not beyond what the store holds, at most `max_future` after the
broker appended the record; and lateness exactly at its bound."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from schemas.snapshot import EARLIEST, LATEST, Snapshot
from services.aggregator.batch import Bounds, build_batch
from services.aggregator.decode import Rejected, decode
from tests.support.examples import message
from tests.support.scenario import snapshot

APPENDED = datetime(2021, 10, 23, 2, 0, tzinfo=UTC)
MS = int(APPENDED.timestamp() * 1000)
FUTURE = timedelta(seconds=300)
US = timedelta(microseconds=1)


def reason(observed_at: datetime, appended: datetime = APPENDED) -> str | None:
    raw = json.dumps({**json.loads(snapshot().to_json_bytes()), "observed_at": observed_at.isoformat()}).encode()
    result = decode(raw, appended, FUTURE)
    return result.reason if isinstance(result, Rejected) else None


def test_the_future_bound_is_inclusive_to_the_microsecond():
    assert reason(APPENDED + FUTURE) is None
    assert reason(APPENDED + FUTURE + US) == "from_the_future"
    assert reason(APPENDED + timedelta(days=2)) == "from_the_future"
    assert reason(APPENDED - timedelta(days=400)) is None  # late is fine, however late


def test_the_earliest_instant_is_2000_and_the_latest_what_the_store_holds():
    far = LATEST + timedelta(days=1)  # appended later than anything, so only the store bounds it
    assert reason(EARLIEST, far) is None
    assert reason(EARLIEST - US, far) == "out_of_range"
    assert reason(LATEST - US, far) is None
    assert reason(LATEST, far) == "out_of_range"
    assert (EARLIEST, LATEST) == (datetime(2000, 1, 1, tzinfo=UTC), datetime(2106, 2, 7, 6, 28, tzinfo=UTC))


def test_offsets_do_not_move_the_bounds():
    raw = json.dumps({**json.loads(snapshot().to_json_bytes()), "observed_at": "2000-01-01T07:59:59.999999+08:00"})
    result = decode(raw.encode(), APPENDED, FUTURE)
    assert isinstance(result, Rejected) and result.reason == "out_of_range"
    ok = raw.replace("07:59:59.999999+08:00", "08:00:00+08:00")
    assert isinstance(decode(ok.encode(), APPENDED, FUTURE), Snapshot)


@pytest.mark.parametrize(("behind", "late"), [(timedelta(minutes=10), 0), (timedelta(minutes=10) + US, 1)])
def test_lateness_is_counted_beyond_the_bound_only(behind: timedelta, late: int):
    newest = snapshot(observed_at=APPENDED, session_id="douyin:a")
    old = snapshot(observed_at=APPENDED - behind, session_id="douyin:b")
    bounds = Bounds(late=timedelta(minutes=10), future=FUTURE)
    batch = build_batch([message(s.to_json_bytes(), appended_ms=MS) for s in (newest, old)], None, bounds, APPENDED)
    assert (batch.late, len(batch.rows)) == (late, 2)  # late or not, it is stored
