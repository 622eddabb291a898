import base64
import json
from datetime import UTC, datetime, timedelta

from services.aggregator.batch import build_batch
from services.aggregator.rows import SNAPSHOT_COLUMNS
from tests.support.examples import BOUNDS, message
from tests.support.scenario import START, snapshot

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_valid_messages_become_rows_in_column_order():
    s = snapshot(gmv_fen=123, special="rural", categories=("agri",))
    batch = build_batch([message(s.to_json_bytes(), 41)], None, BOUNDS, NOW)
    row = dict(zip(SNAPSHOT_COLUMNS, batch.rows[0], strict=True))
    assert row["gmv_fen"] == 123 and row["kafka_partition"] == 3 and row["kafka_offset"] == 41
    assert row["special"] == "rural" and row["categories"] == ["agri"]
    assert row["observed_at"] == s.observed_at and row["observed_at"].utcoffset() == timedelta(0)
    assert batch.newest == s.observed_at and not batch.dead_letters


def test_invalid_messages_become_dead_letters_with_exact_bytes():
    raw = b'{"schema": "livefest.snapshot.v1", "gmv_fen": 1.5}'
    batch = build_batch([message(raw, 7)], None, BOUNDS, NOW)
    assert not batch.rows
    letter = json.loads(batch.dead_letters[0].to_json_bytes())
    assert letter["reason"] == "invalid_fields" and "gmv_fen" in letter["detail"]
    assert base64.b64decode(letter["value_b64"]) == raw
    assert (letter["partition"], letter["offset"], letter["key"]) == (3, 7, "douyin:s1")


def test_lateness_is_judged_against_the_watermark_at_arrival():
    new = snapshot(observed_at=START + timedelta(minutes=30))
    old = snapshot(observed_at=START, session_id="douyin:s2")
    slightly = snapshot(observed_at=START + timedelta(minutes=25), session_id="douyin:s3")
    batch = build_batch([message(m.to_json_bytes()) for m in (old, new, slightly, old)], None, BOUNDS, NOW)
    assert batch.late == 1  # only the second `old`: the first arrived before the watermark moved
    assert batch.newest == new.observed_at
    assert len(batch.rows) == 4  # late snapshots are still stored
