"""The pure parts of `livefest dlq` and `livefest status`."""

import base64
import json

import click

from kernel.lag import PartitionOffsets
from livefest.dlq import DeadLetterRecord, format_record, select, still_invalid
from livefest.status import Status, render
from tests.support.scenario import snapshot


def letter(offset: int, value: bytes, reason: str = "not_json") -> DeadLetterRecord:
    raw = json.dumps({
        "reason": reason, "detail": "not valid UTF-8 JSON: Expecting value", "topic": "livefest.snapshots.v1",
        "partition": 3, "offset": 41, "key": "douyin:s1", "value": value.decode("utf-8", "replace"),
        "value_b64": base64.b64encode(value).decode(), "rejected_at": "2021-10-23T10:05:00+00:00",
    }).encode()
    return DeadLetterRecord.parse(offset, raw)


def test_a_dead_letter_keeps_the_exact_original_bytes():
    original = b"\xff\xfe{not json"
    record = letter(7, original)
    assert record.value == original and record.key == b"douyin:s1"
    assert (record.topic, record.partition, record.offset, record.dlq_offset) == ("livefest.snapshots.v1", 3, 41, 7)


def test_select_by_offset_and_reason():
    records = [letter(0, b"x"), letter(1, b"y", "invalid_fields"), letter(2, b"z")]
    assert [r.dlq_offset for r in select(records)] == [0, 1, 2]
    assert [r.dlq_offset for r in select(records, [2, 1])] == [1, 2]
    assert [r.dlq_offset for r in select(records, reason="not_json")] == [0, 2]
    assert select(records, [1], reason="not_json") == []


def test_still_invalid_tells_a_fixed_message_from_a_broken_one():
    assert still_invalid(letter(0, b"{nope")) is not None
    assert still_invalid(letter(1, snapshot().to_json_bytes(), "invalid_fields")) is None


def test_format_record_is_readable():
    text = click.unstyle(format_record(letter(12, b"{nope")))
    assert "12" in text and "not_json" in text and "livefest.snapshots.v1[3]@41" in text
    assert "key=douyin:s1" in text and "Expecting value" in text


def test_render_status():
    status = Status(
        kafka="kafka:9092", broker_ok=True,
        lag=[PartitionOffsets(0, 0, 100, 90), PartitionOffsets(1, 0, 50, None)],
        dlq_held=4, watermark="2021-10-23T10:05:00.000+08:00", watermark_source="http://api/v1/totals",
        last_polls={"douyin": 1_000.0, "taobao": 700.0},
    )
    lines = [click.unstyle(line) for line in render(status, now=1_010.0)]
    text = "\n".join(lines)
    assert "reachable ok" in text
    assert "60 message(s) not yet in ClickHouse" in text
    assert "partition   1  lag        50  committed       never" in text
    assert "2021-10-23T10:05:00.000+08:00" in text
    assert "douyin" in text and "10 s ago" in text and "stale > 120 s" in text
    assert "dead letters 4 held" in text
    assert status.healthy


def test_status_shows_workers_health_and_the_watermark_age_and_says_it_as_json():
    from datetime import datetime

    from livefest.health import Worker
    from livefest.status import as_json

    watermark = "2021-10-23T10:05:00.000+08:00"
    now = datetime.fromisoformat(watermark).timestamp() + 90
    status = Status(
        kafka="kafka:9092", broker_ok=True, lag=[PartitionOffsets(0, 0, 100, 90)], watermark=watermark,
        api="ok", clickhouse="ok", workers=[Worker("faust-1", "10.0.0.5", [0, 2]), Worker("faust-2", "10.0.0.6", [])],
        dlq_held=0, topicstats_dlq_held=2,
    )
    text = click.unstyle("\n".join(render(status, now=now)))
    assert f"watermark   {watermark}, 90 s ago" in text
    assert "worker 10.0.0.5" in text and "partitions 0, 2" in text and "partitions none" in text
    assert "clickhouse  ok" in text and "api         ok" in text and "hashtags   2 held" in text
    facts = as_json(status, now)
    assert facts["healthy"] and facts["watermark_age_seconds"] == 90 and facts["total_lag"] == 10
    assert facts["workers"][0] == {"member": "faust-1", "host": "10.0.0.5", "partitions": [0, 2]}
    assert facts["lag"][0]["lag"] == 10


def test_an_unreachable_broker_is_unhealthy():
    status = Status(kafka="kafka:9092", broker_ok=False)
    assert "unreachable FAIL" in click.unstyle("\n".join(render(status, now=0)))
    assert not status.healthy
