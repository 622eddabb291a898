"""The simulated hashtag readings `livefest up` publishes until the Douyin adapter does."""

from datetime import timedelta

from livefest import hashtags
from schemas.topic_stats import FESTIVAL_HASHTAG, HASHTAG_TARGETS
from services.aggregator.decode import decode_topic_stats
from services.ingest.festival import Festival
from services.ingest.hashtags import hashtag_readings, outgoing


def test_readings_are_deterministic_ordered_and_valid_on_the_wire():
    festival = Festival(seed=7, duration=timedelta(minutes=30))
    readings = list(hashtag_readings(festival))
    assert readings == list(hashtag_readings(festival))
    assert [r.observed_at for r in readings] == sorted(r.observed_at for r in readings)
    assert {(r.platform, r.topic) for r in readings} == {("douyin", FESTIVAL_HASHTAG)}
    assert readings[0].observed_at == festival.start and readings[-1].observed_at == festival.start + festival.duration
    messages = list(outgoing(iter(readings)))
    assert all(m.key == FESTIVAL_HASHTAG.encode() for m in messages)
    assert [decode_topic_stats(m.value) for m in messages] == readings


def test_every_special_makes_progress_towards_its_target():
    reads = hashtags.special_reads(hashtag_readings(Festival(seed=2021)))
    assert set(reads) == set(HASHTAG_TARGETS)
    for special, target in HASHTAG_TARGETS.items():
        assert target * 0.5 < reads[special] < target * 1.3, special
