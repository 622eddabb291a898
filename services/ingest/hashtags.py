"""Simulated hashtag readings (livefest.topicstats.v1) for `livefest up`. Pure; no I/O.

The interim publisher of topic statistics until the Douyin adapter publishes them from
the (simulated) back office: one cumulative reading of #粤贸全国云上清远 per special every
`every` of event time, growing over the evening towards each special's read target with
noise and the odd downward correction. Kept in its own module so it can be swapped for the
adapter without touching the snapshot simulator.
"""

import random
from collections.abc import Iterator
from datetime import timedelta

from schemas.topic_stats import FESTIVAL_HASHTAG, HASHTAG_TARGETS, TopicStats
from services.ingest.festival import Festival
from services.ingest.replay import Outgoing


def hashtag_readings(
    festival: Festival, every: timedelta = timedelta(seconds=30), platform: str = "douyin"
) -> Iterator[TopicStats]:
    """Readings in `observed_at` order over the festival's duration, fixed by its seed."""
    rng = random.Random(f"{festival.seed}/hashtags")
    # Where each special ends the evening relative to its target (some miss it, some beat it).
    finish = {special: rng.uniform(0.6, 1.25) for special in HASHTAG_TARGETS}
    reads = dict.fromkeys(HASHTAG_TARGETS, 0)
    steps = max(1, int(festival.duration / every))
    for step in range(steps + 1):
        at = festival.start + step * every
        for special, target in HASHTAG_TARGETS.items():
            goal = target * finish[special] * step / steps
            reads[special] = max(0, int(goal * rng.uniform(0.97, 1.03)))
            yield TopicStats.model_validate(
                {
                    "schema": "livefest.topicstats.v1",
                    "platform": platform,
                    "topic": FESTIVAL_HASHTAG,
                    "special": special,
                    "observed_at": at,
                    "reads": reads[special],
                },
                strict=False,
            )


def outgoing(readings: Iterator[TopicStats]) -> Iterator[Outgoing]:
    """Readings as Kafka messages (key = topic), sent at their event time by `replay`."""
    for reading in readings:
        yield Outgoing(reading.observed_at, reading.topic.encode(), reading.to_json_bytes())
