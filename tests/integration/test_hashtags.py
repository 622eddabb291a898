"""Hashtag readings through the real broker: the aggregator's second agent stores them,
`GET /v1/specials` equals the truth, invalid readings land in their dead-letter topic."""

import json

from tests.support.hashtag_scenario import messy_readings
from tests.support.pipeline import Pipeline, wait_until
from tests.support.scenario import messy
from tests.support.specials_truth import expected_specials

GARBAGE = [
    b"{not json",
    b'{"schema": "livefest.topicstats.v1", "platform": "douyin", "topic": "x", "special": "launch",'
    b' "observed_at": "2021-10-23T21:30:00+08:00", "reads": 1.5}',
    b'{"schema": "livefest.topicstats.v0"}',
]


def test_hashtag_readings_reach_the_specials_endpoint(pipeline: Pipeline):
    scenario = messy(seed=51, sessions=12, polls=12)
    readings = messy_readings(seed=51, polls=15)
    pipeline.publish(scenario.snapshots)
    pipeline.publish_topic_stats((r.topic.encode(), r.to_json_bytes()) for r in readings)
    pipeline.publish_topic_stats((b"bad", g) for g in GARBAGE)

    wait_until(pipeline.consumed_offsets_caught_up, 90, "the snapshot agent to commit every offset")
    wait_until(lambda: pipeline.consumed_offsets_caught_up(pipeline.topicstats_topic), 90,
               "the hashtag agent to commit every offset")
    assert pipeline.json("/v1/specials") == expected_specials(scenario, readings)

    letters = [json.loads(raw) for raw in
               pipeline.dead_letters(expected=len(GARBAGE), topic=pipeline.topicstats_dlq_topic)]
    assert sorted(letter["reason"] for letter in letters) == ["invalid_fields", "not_json", "wrong_schema"]
    assert {letter["value"].encode() for letter in letters} == set(GARBAGE)
    metrics = pipeline.get("/metrics").text
    assert 'livefest_aggregator_topicstats_rejected_total{reason="not_json"} 1.0' in metrics
    consumed = [line for line in metrics.splitlines()
                if line.startswith("livefest_aggregator_topicstats_consumed_total")]
    assert consumed and float(consumed[0].split()[-1]) == len(readings) + len(GARBAGE)
