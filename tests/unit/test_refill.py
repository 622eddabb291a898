"""The aggregator's public refill interface (`livefest rebuild --from-topic`) writes the
rows the live path writes, for the topics the settings name."""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from kernel.settings import Settings
from services.aggregator.batch import Message, build_batch
from services.aggregator.refill import raw_tables
from tests.support.examples import APPENDED_MS, BOUNDS
from tests.support.scenario import START, snapshot

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Record(NamedTuple):  # the shape of kafka-python's ConsumerRecord that matters here
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int


def test_raw_tables_are_the_aggregators_topics_and_tables():
    settings = Settings(snapshot_topic="snap.t", topicstats_topic="stats.t")
    assert [(t.topic, t.table) for t in raw_tables(settings)] == [("snap.t", "snapshots"), ("stats.t", "topic_stats")]


def test_refilled_rows_equal_the_live_paths_and_skip_invalid_records():
    good = [snapshot(observed_at=START + timedelta(seconds=n), gmv_fen=n) for n in range(3)]
    records = [Record("snap.t", 2, n, b"douyin:s1", s.to_json_bytes(), APPENDED_MS) for n, s in enumerate(good)]
    records.insert(1, Record("snap.t", 2, 9, b"douyin:s1", b"{not json", APPENDED_MS))
    snapshots = raw_tables(Settings(snapshot_topic="snap.t"))[0]
    live = build_batch([Message(*r) for r in records], None, BOUNDS, NOW)
    assert snapshots.rows(records, NOW) == live.rows and len(live.rows) == 3
