"""The expected big-screen figures (GET /v1/screen, each /v1/stream event), from the
contract's semantics (kernel.semantics, kernel.hashtags) and literals, never from the API."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from kernel import hashtags, semantics
from kernel.timeutil import SHANGHAI, rfc3339
from schemas.snapshot import COUNTIES
from schemas.topic_stats import FESTIVAL_HASHTAG, TopicStats
from tests.support.scenario import Scenario, expected_totals

STEP = timedelta(minutes=5)
TARGETS = {"launch": 1_000_000, "rural": 500_000, "fashion": 400_000}  # domain.md, literally


def expected_screen(scenario: Scenario, readings: Sequence[TopicStats], county: str | None) -> dict[str, Any]:
    figures = scenario.figures
    mine = {sid: f for sid, f in figures.items() if county is None or f.county == county}
    midnight = scenario.watermark.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    units = [county] if county else list(COUNTIES)
    return {
        "county": county,
        "as_of": rfc3339(scenario.watermark),
        "totals": expected_totals(figures, county=county),
        "counties": [{"county": c, **expected_totals(figures, county=c)} for c in units],
        "day": midnight.date().isoformat(),
        "curve_step_s": 300,
        "curve": expected_curve(scenario, county, midnight),
        "hashtags": expected_hashtags(readings) if county is None else [],
        "top_rooms": [_room(f) for f in sorted(mine.values(), key=lambda f: (-f.gmv_fen, f.session_id))[:10]],
    }


def expected_curve(scenario: Scenario, county: str | None, midnight: datetime) -> list[dict[str, Any]]:
    """0 at the start of the first 5-minute bucket with a change of GMV, then cumulative GMV
    from midnight at the end of each bucket (the watermark for the last)."""
    mark = scenario.watermark
    buckets = int((mark - midnight) / STEP) + 1
    figures = scenario.figures
    records = [r for r in scenario.records if county is None or figures[r.snapshot.session_id].county == county]
    increases = [v for _, v in semantics.timeseries(records, "gmv_fen", midnight, STEP, buckets, at=mark)]
    first = next((i for i, v in enumerate(increases) if v), buckets - 1)
    points, total = [{"t": rfc3339(midnight + first * STEP), "gmv_fen": 0}], 0
    for i in range(first, buckets):
        total += increases[i]
        points.append({"t": rfc3339(min(midnight + (i + 1) * STEP, mark)), "gmv_fen": total})
    return points


def expected_hashtags(readings: Sequence[TopicStats]) -> list[dict[str, Any]]:
    reads = hashtags.special_reads(readings)
    return [
        {"special": special, "topic": FESTIVAL_HASHTAG, "target": target, "reads": reads.get(special, 0),
         "progress_bp": reads.get(special, 0) * 10_000 // target}
        for special, target in TARGETS.items()
    ]


def _room(f: semantics.SessionFigures) -> dict[str, Any]:
    return {
        "session_id": f.session_id, "room_id": f.room_id, "county": f.county, "platform": f.platform,
        "special": f.special, "gmv_fen": f.gmv_fen, "viewers_online": f.viewers_online, "live": f.live,
    }
