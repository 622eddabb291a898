"""How often one credential's poller runs, and whether it may run now: the interval
derived from the platform's quota and what a cycle spends (services/ingest/quota.py),
logged at start and whenever the platform's own numbers change it; a credential whose
quota is used up rests (no calls at all) until the daily reset or a cleared quota.

Where the platform reports its own count (WeChat's getApiQuota, `api.read_quota`), it is
read once a quota day, before the first cycle: it tells the account's real daily number
and what every program on the appid already spent.
"""

import logging
import time
from datetime import datetime

from services.ingest.adapters.api import AuthRejected, MalformedPayload, Retryable
from services.ingest.client import PlatformClient
from services.ingest.quota import Quota, poll_interval

log = logging.getLogger(__name__)
COUNT_RETRY_S = 60.0


class Pacing:
    def __init__(self, client: PlatformClient, label: str) -> None:
        self.client = client
        self.api = client.api
        self.budget = client.budget
        self.label = label  # which credential, for the log: "channels credential 3 (room …)"
        self.calls = self.api.calls_per_cycle(len(client.config.rooms))
        self.interval = self._derive()
        self._resting: datetime | None = None
        self._count_again_at = 0.0  # monotonic: after a failed read of the platform's count
        log.info("%s: quota %s; a cycle calls %s; polling every %.3g s (configured %.3g s)", self.label,
                 self._quota().describe(), self.calls, self.interval, client.config.poll_seconds,
                 extra={"platform": self.api.platform})

    def resting(self) -> bool:
        """True while the platform's "quota used up" stands (logged once per rest)."""
        until = self.budget.resting_until() if self.budget else None
        if until is not None and self._resting != until:
            log.warning("%s: resting until %s (daily quota used up)", self.label, until.isoformat(),
                        extra={"platform": self.api.platform, "reason": "quota_exhausted"})
        elif until is None and self._resting is not None:
            log.info("%s: quota available again; polling resumes", self.label, extra={"platform": self.api.platform})
            self._count_again_at = 0.0  # cleared or a new day: the platform's count is worth reading at once
        self._resting = until
        return until is not None

    def exhausted(self, detail: str) -> None:
        if self.budget is not None:
            self._resting = self.budget.exhaust(detail)

    async def count(self) -> None:
        """The platform's own count for today, where it reports one (once a quota day; after
        a failed read, again COUNT_RETRY_S later, the declared quota standing meanwhile)."""
        reader = getattr(self.api, "read_quota", None)
        if reader is None or self.budget is None or self.budget.observed_today() or \
                time.monotonic() < self._count_again_at:
            return
        try:
            for path, (limit, used) in (await reader(self.client.call, list(self.calls))).items():
                self.budget.observe(path, limit, used)
        except (Retryable, MalformedPayload, AuthRejected) as exc:
            self._count_again_at = time.monotonic() + COUNT_RETRY_S
            log.warning("%s: could not read the platform's quota count (%s); using the last known quota", self.label,
                        exc, extra={"platform": self.api.platform, "reason": getattr(exc, "reason", "malformed")})
        self.settle()

    def settle(self) -> None:
        """After a cycle: keep the counts, and follow the quota if it changed the interval."""
        if self.budget is not None:
            self.budget.save()
        interval = self._derive()
        if interval != self.interval:
            log.info("%s: quota %s; polling every %.3g s", self.label, self._quota().describe(), interval,
                     extra={"platform": self.api.platform})
            self.interval = interval

    def _quota(self) -> Quota:
        return self.budget.quota if self.budget else self.api.quota

    def _derive(self) -> float:
        return poll_interval(self._quota(), self.calls, self.client.config.poll_seconds)
