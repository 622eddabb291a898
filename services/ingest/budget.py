"""One credential's call budget: the calls spent today against its platform's quota, and
whether the platform said the quota is used up (then the credential rests until the daily
reset, midnight Beijing time, or until someone clears the quota).

Kept in the adapters' state (the spool database, 0600) under the credential's key, so a
restarted adapter knows what it spent today and does not hammer a platform that already
said no; `livefest wechat-clear-quota` clears the mark there and the running adapter
resumes at its next cycle. Where the platform reports its own count (WeChat's
getApiQuota), that count replaces ours: it includes every other program on the appid.

Exported as `livefest_ingest_quota_*{platform, credential}`: `credential` is the
credential's position in the configuration ("0", "1", …; the start-up log names each),
never an id or a secret.
"""

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from services.ingest.metrics import IngestMetrics
from services.ingest.quota import Quota, day_of, next_reset

log = logging.getLogger(__name__)
WECHAT = frozenset({"channels", "miniprogram"})  # whose accounts can clear their quota (clear_quota)


class Store(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...


def exhausted_key(platform: str, key: str) -> str:
    """Where the "used up until" mark of a credential is kept (cleared: an empty value)."""
    return f"quota-exhausted:{platform}:{key}"


class Budget:
    """`key` identifies the credential to the platform (an appid, an app key, an advertiser);
    `label` is its bounded metric label; `now` is the platform's clock; `paths` the API
    paths whose calls count (every call, for quotas shared by all APIs)."""

    def __init__(
        self, platform: str, label: str, key: str, quota: Quota, paths: Iterable[str], store: Store,
        metrics: IngestMetrics, now: Callable[[], datetime],
    ) -> None:
        self.platform, self.label, self.key, self.store, self.metrics, self.now = (
            platform, label, key, store, metrics, now)
        self.declared = quota
        self.paths = frozenset(paths)
        self._counts_key = f"quota:{platform}:{key}"
        self._day, self._used, self._limits, self._observed = self._load()
        self.metrics.quota_exhausted.labels(platform, label).set(0)
        self._publish()

    @property
    def quota(self) -> Quota:
        """The declared quota, with the platform's own daily number once it told us."""
        if not self._limits:
            return self.declared
        return self.declared.with_daily(min(self._limits.values()))

    def spend(self, path: str) -> None:
        """Count one call that reached the platform."""
        self._roll()
        if self.declared.scope == "all_apis":
            path = "*"
        elif path not in self.paths:
            return
        self._used[path] = self._used.get(path, 0) + 1

    def observe(self, path: str, limit: int, used: int) -> None:
        """The platform's own figures for today (WeChat getApiQuota): they replace ours."""
        self._roll()
        self._limits[path], self._used[path] = limit, used
        self._observed = True

    def observed_today(self) -> bool:
        """Whether the platform's count was read this quota day (its daily numbers are kept
        from one day to the next: they are the account's, only the count restarts)."""
        self._roll()
        return self._observed

    def remaining(self) -> int | None:
        """Calls left today on the busiest counted API (None when the quota has no daily number)."""
        per_day = self.quota.per_day
        if per_day is None:
            return None
        if self.declared.scope == "all_apis":
            return max(0, per_day - self._used.get("*", 0))
        left = [self._limits.get(p, per_day) - self._used.get(p, 0) for p in self.paths or {"*"}]
        return max(0, min(left))

    def exhaust(self, detail: str) -> datetime:
        """The platform said the quota is used up: rest until the next daily reset."""
        until = next_reset(self.now())
        self.store.set(exhausted_key(self.platform, self.key), until.isoformat())
        self.metrics.quota_exhausted.labels(self.platform, self.label).set(1)
        clear = " or until the quota is cleared (livefest wechat-clear-quota)" if self.platform in WECHAT else ""
        log.warning("%s credential %s: daily quota used up (%s); no calls until %s%s", self.platform, self.label,
                    detail, until.isoformat(), clear, extra={"platform": self.platform, "reason": "quota_exhausted"})
        return until

    def resting_until(self) -> datetime | None:
        """When the credential may call again, while the platform's "used up" stands."""
        kept = self.store.get(exhausted_key(self.platform, self.key))
        until = datetime.fromisoformat(kept) if kept else None
        resting = until is not None and self.now() < until
        self.metrics.quota_exhausted.labels(self.platform, self.label).set(int(resting))
        return until if resting else None

    def save(self) -> None:
        """Keep today's counts (once a cycle) and show them."""
        self._roll()
        self.store.set(self._counts_key, json.dumps({"day": self._day, "used": self._used, "limits": self._limits,
                                                     "observed": self._observed}))
        self._publish()

    def _publish(self) -> None:
        remaining, per_day = self.remaining(), self.quota.per_day
        if remaining is not None and per_day is not None:
            self.metrics.quota_remaining.labels(self.platform, self.label).set(remaining)
            self.metrics.quota_limit.labels(self.platform, self.label).set(per_day)

    def _roll(self) -> None:
        today = day_of(self.now())
        if today != self._day:
            self._day, self._used, self._observed = today, {}, False

    def _load(self) -> tuple[str, dict[str, int], dict[str, int], bool]:
        kept = self.store.get(self._counts_key)
        today = day_of(self.now())
        if not kept:
            return today, {}, {}, False
        saved = json.loads(kept)
        limits = dict(saved.get("limits", {}))
        if saved.get("day") != today:
            return today, {}, limits, False
        return today, dict(saved.get("used", {})), limits, bool(saved.get("observed"))
