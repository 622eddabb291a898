"""Compares every API figure with the truth computed from the contract."""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from kernel import semantics
from kernel.timeutil import SHANGHAI, rfc3339
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS
from tests.support.scenario import Scenario, expected_session, expected_totals

GetJson = Callable[[str], Any]


# The API publishes a write once it has seen it (a poll) and recomputed its hot answers:
# on a loaded machine that can lag the aggregator's commit by seconds. Figures are exact
# once published; the wait only lets the API get there, and a loss still fails below.
API_CATCH_UP_S = 30.0


def assert_api_matches(get_json: GetJson, scenario: Scenario) -> None:
    figures = scenario.figures
    watermark = scenario.watermark
    expected = {**expected_totals(figures), "as_of": rfc3339(watermark)}
    deadline = time.monotonic() + API_CATCH_UP_S
    totals = get_json("/v1/totals")
    while totals != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        totals = get_json("/v1/totals")
    assert totals == expected
    for county in COUNTIES:
        assert _figures(get_json(f"/v1/totals?county={county}")) == expected_totals(figures, county=county), county
    for platform in PLATFORMS:
        got = _figures(get_json(f"/v1/totals?platform={platform}"))
        assert got == expected_totals(figures, platform=platform), platform
    for special in (*SPECIALS, "none"):
        got = _figures(get_json(f"/v1/totals?special={special}"))
        assert got == expected_totals(figures, special=special), special
    counties = get_json("/v1/counties")["counties"]
    assert [c["county"] for c in counties] == list(COUNTIES)
    for row in counties:
        assert _figures(row) == expected_totals(figures, county=row["county"])
    for sid, f in figures.items():
        assert get_json(f"/v1/sessions/{sid}") == expected_session(f, watermark), sid
    assert_series_match(get_json, scenario)


def assert_series_match(get_json: GetJson, scenario: Scenario) -> None:
    first = min(s.observed_at for s in scenario.snapshots).astimezone(SHANGHAI)
    start = first.replace(second=0, microsecond=0) - timedelta(minutes=2)
    end = scenario.watermark.astimezone(SHANGHAI).replace(second=0, microsecond=0) + timedelta(minutes=4)
    day_start = start.replace(hour=0, minute=0)
    cases: list[tuple[str, datetime, datetime, timedelta, str | None]] = []
    for metric in semantics.METRICS:
        cases.append((metric, start, end, timedelta(minutes=1), None))
        cases.append((metric, start, end, timedelta(minutes=5), "qingcheng"))
    for metric in semantics.COUNTERS:
        cases.append((metric, day_start, day_start + timedelta(days=2), timedelta(days=1), None))
    for metric, t0, t1, step, county in cases:
        query = {"metric": metric, "from": rfc3339(t0), "to": rfc3339(t1), "step": f"{int(step.total_seconds())}s"}
        if county:
            query["county"] = county
        got = get_json(f"/v1/timeseries?{urlencode(query)}")
        buckets = -(-int((t1 - t0).total_seconds()) // int(step.total_seconds()))
        records = [r for r in scenario.records
                   if county is None or _county_of(scenario, r.snapshot.session_id) == county]
        truth = semantics.timeseries(records, metric, t0, step, buckets, at=scenario.watermark)
        expected = [{"t": rfc3339(t), "value": v} for t, v in truth]
        assert got["points"] == expected, (metric, county, step)


def _county_of(scenario: Scenario, session_id: str) -> str:
    return scenario.figures[session_id].county


FIGURES = ("gmv_fen", "orders", "units_sold", "viewers_total", "viewers_online", "sessions", "sessions_live",
           "refund_fen", "refund_sessions")


def _figures(row: dict[str, Any]) -> dict[str, int]:
    return {k: row[k] for k in FIGURES}
