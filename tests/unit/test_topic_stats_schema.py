"""livefest.topicstats.v1: every example through the decoder and the batch builder the
aggregator's second agent uses; the exported JSON Schema is current."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.export import TOPIC_STATS_SCHEMA_FILE, topic_stats_json_schema
from schemas.topic_stats import TopicStats
from services.aggregator.batch import build_topic_stats_batch
from services.aggregator.decode import REASONS, Rejected
from services.aggregator.decode import decode_topic_stats as decode_at
from services.aggregator.rows import TOPIC_STATS_COLUMNS
from tests.support.examples import APPENDED_AT, BOUNDS, MAX_FUTURE, message

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples" / "topicstats"
VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def decode_topic_stats(value: bytes | None) -> TopicStats | Rejected:
    return decode_at(value, APPENDED_AT, MAX_FUTURE)


def test_there_are_examples_of_both_kinds():
    assert len(VALID) >= 3 and len(INVALID) >= 8


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_examples_decode_round_trip_and_become_rows(path: Path):
    raw = path.read_bytes()
    reading = decode_topic_stats(raw)
    assert isinstance(reading, TopicStats), reading
    assert decode_topic_stats(reading.to_json_bytes()) == reading
    assert reading.reads == json.loads(raw)["reads"]
    batch = build_topic_stats_batch([message(raw, 17, topic="t", partition=2, key=b"k")], BOUNDS,
                                    datetime.now(UTC))
    assert not batch.dead_letters and len(batch.rows) == 1
    row = dict(zip(TOPIC_STATS_COLUMNS, batch.rows[0], strict=True))
    assert (row["platform"], row["topic"], row["special"], row["reads"]) == (
        reading.platform, reading.topic, reading.special, reading.reads)
    assert (row["kafka_partition"], row["kafka_offset"]) == (2, 17)
    assert row["observed_at"] == reading.observed_at and row["observed_at"].tzinfo == UTC


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_examples_are_rejected_with_the_reason_in_their_name(path: Path):
    expected = path.stem.split("--")[0]
    assert expected in REASONS
    result = decode_topic_stats(path.read_bytes())
    assert isinstance(result, Rejected) and result.reason == expected and result.detail
    batch = build_topic_stats_batch([message(path.read_bytes(), 1, topic="t", partition=0, key=b"k")], BOUNDS,
                                    datetime.now(UTC))
    assert not batch.rows and [d.rejected.reason for d in batch.dead_letters] == [expected]
    letter = json.loads(batch.dead_letters[0].to_json_bytes())
    assert letter["reason"] == expected and letter["offset"] == 1


def test_a_snapshot_is_not_a_topic_reading():
    snapshot = (Path(__file__).resolve().parents[2] / "schemas/examples/valid/typical.json").read_bytes()
    assert decode_topic_stats(snapshot) == Rejected("wrong_schema", "field 'schema' must be 'livefest.topicstats.v1'")


def test_exported_json_schema_is_current():
    committed = json.loads(TOPIC_STATS_SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == topic_stats_json_schema(), (
        "schemas/topicstats.v1.schema.json is stale: run `livefest schema export --event topicstats "
        "--output schemas/topicstats.v1.schema.json`"
    )
