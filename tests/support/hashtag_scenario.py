"""Messy hashtag readings (livefest.topicstats.v1) for tests, with duplicates, disorder,
a downward correction and another topic that must not count."""

import random
from datetime import datetime, timedelta

from schemas.topic_stats import FESTIVAL_HASHTAG, TopicStats
from tests.support.scenario import START


def reading(platform: str, special: str, at: datetime, reads: int, topic: str = FESTIVAL_HASHTAG) -> TopicStats:
    return TopicStats.model_validate(
        {"schema": "livefest.topicstats.v1", "platform": platform, "topic": topic, "special": special,
         "observed_at": at, "reads": reads},
        strict=False,
    )


def messy_readings(seed: int = 1, polls: int = 20, start: datetime = START) -> list[TopicStats]:
    """Readings every 60 s per (platform, special), as they would be sent (send order)."""
    rng = random.Random(seed)
    ordered: list[TopicStats] = []
    for platform in ("douyin", "kuaishou"):
        for special in ("launch", "rural", "fashion"):
            reads = rng.randint(0, 1000)
            for i in range(polls):
                reads += rng.randint(0, 40_000)
                if rng.random() < 0.1:
                    reads = max(0, reads - rng.randint(1, 5000))  # the platform corrects downward
                at = start + timedelta(seconds=60 * i + rng.randint(0, 999) / 1000)
                ordered.append(reading(platform, special, at, reads))
    other = [reading("douyin", "launch", start + timedelta(minutes=i), 9_999_999, topic="别的话题") for i in range(3)]
    sent = ordered + other
    rng.shuffle(sent)
    sent.extend(rng.sample(ordered, k=len(ordered) // 8))  # redelivered duplicates
    return sent
