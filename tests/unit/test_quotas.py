"""Quotas as data (services/ingest/quota.py, budget.py): the poll interval a quota allows,
the daily reset at midnight Beijing time, and one credential's budget (counted calls, the
platform's own count, the "used up" rest kept in the shared state, the gauges)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from kernel.timeutil import SHANGHAI
from services.ingest.adapters.miniprogram_api import API as MINIPROGRAM
from services.ingest.budget import Budget, exhausted_key
from services.ingest.metrics import IngestMetrics
from services.ingest.quota import DAY_SECONDS, HEADROOM, Quota, next_reset, poll_interval
from tests.support.inprocess import MemorySpool

PER_API = Quota(1_000, "per_api", "test")
SHARED = Quota(1_000, "all_apis", "test")


def test_the_interval_spends_at_most_the_headroom_of_a_day():
    calls = {"/list": 2, "/data": 1}
    # Per API: the busiest API (two calls a cycle) sets the pace.
    assert poll_interval(PER_API, calls, 1.0) == DAY_SECONDS * 2 / (HEADROOM * 1_000)
    # Shared by all APIs: every call counts.
    assert poll_interval(SHARED, calls, 1.0) == DAY_SECONDS * 3 / (HEADROOM * 1_000)
    # A configured interval slower than the quota needs stands.
    assert poll_interval(PER_API, calls, 600.0) == 600.0
    # A rate: three calls a cycle at two a second.
    assert poll_interval(Quota(None, "per_api", "test", per_second=2.0), calls, 0.5) == 1.5
    # No number published: the configured interval.
    assert poll_interval(Quota(None, "per_api", "test"), calls, 3.0) == 3.0


@given(st.integers(1, 100), st.integers(1, 10_000), st.floats(0.1, 100.0))
def test_a_day_of_cycles_never_exceeds_the_quota(calls_per_cycle: int, per_day: int, configured: float):
    quota = Quota(per_day, "all_apis", "test")
    interval = poll_interval(quota, {"*": calls_per_cycle}, configured)
    assert DAY_SECONDS / interval * calls_per_cycle <= HEADROOM * per_day + 1e-6


def test_the_mini_program_rule_before_the_platform_counts():
    # getliveinfo and getreplay share 500 calls a day: one page of rooms a cycle.
    assert MINIPROGRAM.quota.per_day == 500
    assert poll_interval(MINIPROGRAM.quota, MINIPROGRAM.calls_per_cycle(30), 2.0) == DAY_SECONDS / (HEADROOM * 500)
    assert MINIPROGRAM.calls_per_cycle(250) == {"/wxa/business/getliveinfo": 3}


@pytest.mark.parametrize("now,reset", [
    (datetime(2021, 10, 23, 10, 0, tzinfo=SHANGHAI), datetime(2021, 10, 24, tzinfo=SHANGHAI)),
    (datetime(2021, 10, 23, 23, 59, 59, tzinfo=SHANGHAI), datetime(2021, 10, 24, tzinfo=SHANGHAI)),
    (datetime(2021, 10, 24, 0, 0, tzinfo=SHANGHAI), datetime(2021, 10, 25, tzinfo=SHANGHAI)),
    # 16:30 UTC is already the next day in Beijing.
    (datetime(2021, 10, 23, 16, 30, tzinfo=UTC), datetime(2021, 10, 25, tzinfo=SHANGHAI)),
    (datetime(2021, 10, 23, 15, 59, tzinfo=UTC), datetime(2021, 10, 24, tzinfo=SHANGHAI)),
])
def test_the_daily_reset_is_midnight_in_beijing(now: datetime, reset: datetime):
    assert next_reset(now) == reset


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def budget(store: MemorySpool, clock: Clock, registry: CollectorRegistry, quota: Quota = PER_API) -> Budget:
    return Budget("channels", "0", "wx-appid", quota, ("/list", "/data"), store, IngestMetrics.create(registry), clock)


def gauge(registry: CollectorRegistry, name: str) -> float | None:
    return registry.get_sample_value(name, {"platform": "channels", "credential": "0"})


def test_a_budget_counts_the_calls_that_count_and_keeps_them_across_a_restart():
    store, clock, registry = MemorySpool(), Clock(datetime(2021, 10, 23, 10, tzinfo=SHANGHAI)), CollectorRegistry()
    kept = budget(store, clock, registry)
    for path in ("/list", "/list", "/data", "/cgi-bin/openapi/quota/get"):
        kept.spend(path)
    kept.save()
    assert kept.remaining() == 998 and gauge(registry, "livefest_ingest_quota_remaining_calls") == 998
    assert gauge(registry, "livefest_ingest_quota_limit_calls") == 1_000
    again = budget(store, clock, CollectorRegistry())  # a restarted adapter, same day
    assert again.remaining() == 998
    clock.at += timedelta(days=1)  # a new quota day starts from nothing
    assert budget(store, clock, CollectorRegistry()).remaining() == 1_000


def test_the_platforms_own_count_replaces_ours():
    store, clock, registry = MemorySpool(), Clock(datetime(2021, 10, 23, 10, tzinfo=SHANGHAI)), CollectorRegistry()
    kept = budget(store, clock, registry, Quota(None, "per_api", "test"))
    assert kept.remaining() is None and not kept.observed_today()
    kept.observe("/list", 300, 120)  # another program on the appid spent some
    kept.observe("/data", 300, 10)
    kept.spend("/list")
    kept.save()
    assert kept.quota.per_day == 300 and kept.remaining() == 300 - 121 and kept.observed_today()
    assert gauge(registry, "livefest_ingest_quota_limit_calls") == 300


def test_a_used_up_quota_rests_until_the_reset_or_a_clear():
    store, clock, registry = MemorySpool(), Clock(datetime(2021, 10, 23, 22, tzinfo=SHANGHAI)), CollectorRegistry()
    kept = budget(store, clock, registry, SHARED)
    assert kept.resting_until() is None and gauge(registry, "livefest_ingest_quota_exhausted") == 0
    until = kept.exhaust("errcode 45009")
    assert until == datetime(2021, 10, 24, tzinfo=SHANGHAI)
    assert kept.resting_until() == until and gauge(registry, "livefest_ingest_quota_exhausted") == 1
    # Another adapter on the same state rests too.
    assert budget(store, clock, CollectorRegistry(), SHARED).resting_until() == until
    clock.at = until
    assert kept.resting_until() is None and gauge(registry, "livefest_ingest_quota_exhausted") == 0
    clock.at = datetime(2021, 10, 24, 9, tzinfo=SHANGHAI)
    kept.exhaust("errcode 45009")
    store.set(exhausted_key("channels", "wx-appid"), "")  # livefest wechat-clear-quota
    assert kept.resting_until() is None
