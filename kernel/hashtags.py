"""The meaning of hashtag reads (livefest.topicstats.v1), as plain functions.

Reference implementation, like kernel.semantics: `reads` is cumulative per (platform,
topic, special); the newest reading by `observed_at` stands (a decrease is a correction);
readings with one identity (platform, topic, special, observed_at) are duplicates and the
one delivered last wins. A special's reads are the sum over platforms of the newest
reading of the festival hashtag. Progress is in integer basis points, rounded down.
"""

from collections.abc import Iterable
from datetime import datetime

from schemas.topic_stats import FESTIVAL_HASHTAG, TopicStats

Key = tuple[str, str, str]  # (platform, topic, special)


def newest_reads(readings: Iterable[TopicStats], before: datetime | None = None) -> dict[Key, int]:
    """The newest reading per (platform, topic, special), only those observed before `before`."""
    newest: dict[Key, tuple[datetime, int]] = {}
    for r in readings:
        if before is not None and r.observed_at >= before:
            continue
        key = (r.platform, r.topic, r.special)
        held = newest.get(key)
        if held is None or r.observed_at >= held[0]:  # >=: the later delivery of an identity wins
            newest[key] = (r.observed_at, r.reads)
    return {key: reads for key, (_, reads) in newest.items()}


def special_reads(
    readings: Iterable[TopicStats], topic: str = FESTIVAL_HASHTAG, before: datetime | None = None
) -> dict[str, int]:
    """Per special: the sum over platforms of the newest reading of `topic`."""
    totals: dict[str, int] = {}
    for (_, t, special), reads in newest_reads(readings, before).items():
        if t == topic:
            totals[special] = totals.get(special, 0) + reads
    return totals


def progress_bp(reads: int, target: int) -> int:
    """Reads as basis points of the target (10000 = 100.00 %), rounded down, exactly."""
    return reads * 10_000 // target if target else 0
