import base64
import json
from datetime import UTC, datetime, timedelta

from kernel.timeutil import SHANGHAI
from schemas.topic_stats import TopicStats
from services.aggregator.batch import build_batch, build_topic_stats_batch
from services.aggregator.rows import SNAPSHOT_COLUMNS, TOPIC_STATS_COLUMNS
from tests.support.examples import BOUNDS, message
from tests.support.scenario import START, snapshot

NOW = datetime(2026, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


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


def test_rows_carry_the_time_received_and_the_message():
    s = snapshot()
    m = message(s.to_json_bytes(), 5)
    batch = build_batch([m], None, BOUNDS, NOW)
    row = dict(zip(SNAPSHOT_COLUMNS, batch.rows[0], strict=True))
    assert (row["received_at"], row["special"], row["polled_at"]) == (NOW, "", None)
    assert batch.messages == [m]


def test_rows_are_in_utc_whatever_the_machines_time_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        observed = datetime(2021, 10, 23, 23, 50, tzinfo=SHANGHAI)
        s = snapshot(observed_at=observed, polled_at=observed + timedelta(seconds=2))
        row = dict(zip(SNAPSHOT_COLUMNS, build_batch([message(s.to_json_bytes())], None, BOUNDS, NOW).rows[0],
                       strict=True))
        assert row["observed_at"].isoformat() == "2021-10-23T15:50:00+00:00"
        assert row["polled_at"].isoformat() == "2021-10-23T15:50:02+00:00"
        reading = TopicStats.model_validate(
            {"schema": "livefest.topicstats.v1", "platform": "douyin", "topic": "粤贸全国云上清远",
             "special": "rural", "observed_at": observed, "reads": 12}, strict=False)
        stats = build_topic_stats_batch([message(reading.to_json_bytes())], BOUNDS, NOW)
        assert dict(zip(TOPIC_STATS_COLUMNS, stats.rows[0], strict=True))["observed_at"].isoformat() == (
            "2021-10-23T15:50:00+00:00"
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_topic_stats_rows():
    reading = {"schema": "livefest.topicstats.v1", "platform": "douyin", "topic": "粤贸全国云上清远",
               "special": "rural", "observed_at": "2021-10-23T10:00:00+08:00", "reads": 1234}
    good = message(json.dumps(reading).encode(), 8, topic="livefest.topicstats.v1")
    bad = message(b"{}", 9, topic="livefest.topicstats.v1")
    batch = build_topic_stats_batch([good, bad], BOUNDS, NOW)
    assert [dict(zip(TOPIC_STATS_COLUMNS, r, strict=True)) for r in batch.rows] == [{
        "platform": "douyin", "topic": "粤贸全国云上清远", "special": "rural",
        "observed_at": datetime(2021, 10, 23, 2, 0, tzinfo=UTC), "kafka_partition": 3, "kafka_offset": 8,
        "reads": 1234, "received_at": NOW,
    }]
    assert batch.messages == [good]
    assert [(d.message, d.rejected.reason, d.rejected_at) for d in batch.dead_letters] == [
        (bad, "wrong_schema", NOW)  # `{}` has no schema field
    ]
    assert (batch.newest, batch.late) == (None, 0)  # readings do not move the snapshot watermark


def test_every_late_snapshot_is_counted():
    mark = START + timedelta(minutes=30)
    old = [snapshot(observed_at=START, session_id=f"douyin:s{i}") for i in range(3)]
    batch = build_batch([message(s.to_json_bytes()) for s in old], mark, BOUNDS, NOW)
    assert (batch.late, batch.newest) == (3, None)


def test_a_snapshot_on_the_watermark_does_not_move_it():
    s = snapshot(observed_at=START)
    batch = build_batch([message(s.to_json_bytes())], START, BOUNDS, NOW)
    assert (batch.newest, batch.late) == (None, 0)
    ahead = build_batch([message(snapshot(observed_at=START + US).to_json_bytes())], START, BOUNDS, NOW)
    assert ahead.newest == START + US


def test_a_dead_letter_that_is_not_utf8_arrives_intact():
    """Key and value bytes that are not UTF-8: the readable fields replace what cannot be read,
    the base64 fields keep every byte, and every field of the letter is there by name."""
    key, value = b"douyin:\xff\xfe", b'{"schema": "\xc3\x28 bad"}'
    m = message(value, 11, key=key, partition=2, appended_ms=1_634_954_700_123)
    batch = build_batch([m], None, BOUNDS, NOW)
    letter = json.loads(batch.dead_letters[0].to_json_bytes())
    assert letter == {
        "reason": "not_json",
        "detail": letter["detail"],
        "topic": "livefest.snapshots.v1",
        "partition": 2,
        "offset": 11,
        "key": "douyin:\ufffd\ufffd",
        "key_b64": "ZG91eWluOv/+",
        "value": '{"schema": "\ufffd( bad"}',
        "value_b64": "eyJzY2hlbWEiOiAiwyggYmFkIn0=",
        "appended_at": "2021-10-23T02:05:00.123000+00:00",
        "rejected_at": "2026-01-01T00:00:00+00:00",
    }
    assert letter["detail"].startswith("not valid UTF-8 JSON: ")
    assert base64.b64decode(letter["key_b64"]) == key and base64.b64decode(letter["value_b64"]) == value


def test_a_dead_letter_without_key_or_value():
    letter = json.loads(build_batch([message(None, key=None)], None, BOUNDS, NOW).dead_letters[0].to_json_bytes())
    assert (letter["reason"], letter["detail"]) == ("empty", "the message has no value")
    assert (letter["key"], letter["key_b64"], letter["value"], letter["value_b64"]) == (None, None, "", "")


def test_a_clock_ahead_of_the_broker_moves_the_mark_only_to_the_append_time():
    """Contract 1.1: the watermark is the greatest min(observed_at, append time), lateness is
    judged against it, and rows carry what the store needs for ownership."""
    appended = START + timedelta(minutes=30)
    ms = int(appended.timestamp() * 1000)
    ahead = snapshot(observed_at=appended + timedelta(seconds=290), county="yingde", source="county_report",
                     refund_fen=77)
    # 10 min 20 s before the row's observed_at, but only 5 min 30 s before the broker's clock.
    behind = snapshot(observed_at=appended - timedelta(seconds=330), session_id="douyin:s2")
    batch = build_batch([message(s.to_json_bytes(), n, appended_ms=ms) for n, s in enumerate((ahead, behind))],
                        None, BOUNDS, NOW)
    assert batch.newest == appended and batch.late == 0
    first, second = (dict(zip(SNAPSHOT_COLUMNS, row, strict=True)) for row in batch.rows)
    assert (first["appended_at"], first["source"], first["lane"], first["refund_fen"]) == (
        appended, "county_report", "yingde", 77)
    assert (second["source"], second["lane"], second["refund_fen"]) == ("adapter", "", None)
