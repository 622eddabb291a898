"""The expected `GET /v1/specials` answer, from kernel.semantics and kernel.hashtags' reading
of the hashtag reads; the progress is worked out here, not with the API's `progress_bp`."""

from collections.abc import Sequence
from typing import Any

from kernel import hashtags
from kernel.timeutil import rfc3339
from schemas.snapshot import SPECIALS
from schemas.topic_stats import FESTIVAL_HASHTAG, HASHTAG_TARGETS, TopicStats
from tests.support.checks import FIGURES
from tests.support.scenario import Scenario, expected_totals


def expected_specials(scenario: Scenario | None, readings: Sequence[TopicStats]) -> dict[str, Any]:
    reads = hashtags.special_reads(readings)
    rows = []
    for special in SPECIALS:
        target, got = HASHTAG_TARGETS[special], reads.get(special, 0)
        bp = got * 10_000 // target  # basis points, rounded down (every target is > 0)
        mine = [r.observed_at for r in readings if r.special == special and r.topic == FESTIVAL_HASHTAG]
        figures = expected_totals(scenario.figures, special=special) if scenario else dict.fromkeys(FIGURES, 0)
        rows.append({
            **figures, "special": special, "topic": FESTIVAL_HASHTAG, "target": target, "reads": got,
            "progress_bp": bp, "progress": f"{bp // 100}.{bp % 100:02d}%",
            "reads_as_of": rfc3339(max(mine)) if mine else None,
        })
    return {"specials": rows, "as_of": rfc3339(scenario.watermark) if scenario else None}
