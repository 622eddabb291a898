"""Platforms' call quotas as data, and what follows from them. Pure.

Each polling module declares its platform's documented quota (`Quota`); from it and the
calls one poll cycle makes, `poll_interval` derives how often a credential may be
polled so that a whole day of polling stays under the quota with room to spare; a quota
answer (WeChat 45009, Kuaishou 1017) means the day's quota is gone until the daily reset,
midnight Beijing time (`next_reset`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kernel.timeutil import SHANGHAI

DAY_SECONDS = 86_400.0
# Plan to spend at most this share of a daily quota: retries, repeated calls after an
# expired token and the account's other tools (the county's own) draw on it too.
HEADROOM = 0.8


@dataclass(frozen=True)
class Quota:
    """A platform's call quota for one credential (an app, an account).

    `per_day`: calls a day, reset at midnight Beijing time (None: the platform publishes
    no number, or grants one per developer: see `note`); `scope` says whether each API has
    its own daily count (WeChat) or all calls share one (Kuaishou); `per_second`: a rate
    the platform enforces instead of, or besides, a daily count (None when none is
    published); `reference` names where the numbers come from."""

    per_day: int | None
    scope: Literal["per_api", "all_apis"]
    reference: str
    per_second: float | None = None
    note: str = ""

    def with_daily(self, per_day: int | None) -> "Quota":
        """The same quota with the daily number the platform granted this credential."""
        return Quota(per_day, self.scope, self.reference, self.per_second, self.note)

    def describe(self) -> str:
        parts = []
        if self.per_day is not None:
            parts.append(f"{self.per_day:,} calls/day" + (" per API" if self.scope == "per_api" else ""))
        if self.per_second is not None:
            parts.append(f"{self.per_second:g} calls/s")
        return (", ".join(parts) or "no published number") + f" ({self.reference})"


UNLIMITED = Quota(None, "all_apis", "livefest's simulator only: no quota")


def busiest(quota: Quota, calls: Mapping[str, int]) -> int:
    """The calls per cycle that count against the quota's tightest daily count."""
    if not calls:
        return 0
    return max(calls.values()) if quota.scope == "per_api" else sum(calls.values())


def poll_interval(quota: Quota, calls: Mapping[str, int], configured: float) -> float:
    """Seconds between poll cycles of one credential: the configured interval, or longer
    where the quota demands it (a day of cycles, each making `calls` by API, spends at
    most HEADROOM of the daily quota, and no second more than `per_second`)."""
    interval = configured
    if quota.per_day:
        interval = max(interval, DAY_SECONDS * busiest(quota, calls) / (HEADROOM * quota.per_day))
    if quota.per_second:
        interval = max(interval, sum(calls.values()) / quota.per_second)
    return interval


def next_reset(now: datetime) -> datetime:
    """The next daily reset after `now`: midnight, Beijing time (UTC+8)."""
    local = now.astimezone(SHANGHAI)
    return datetime(local.year, local.month, local.day, tzinfo=SHANGHAI) + timedelta(days=1)


def day_of(now: datetime) -> str:
    """The quota day `now` falls in (Beijing date, ISO)."""
    return now.astimezone(SHANGHAI).date().isoformat()
