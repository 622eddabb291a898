"""Polls one platform's back office: every `poll_seconds`, list the rooms, read each
configured room's figures, normalize them and write the new snapshots to the spool.

Nothing a platform sends can stop the loop: an unreadable record or answer is logged,
counted (`livefest_ingest_failures_total{reason}`) and skipped; a failed cycle is
retried at the next tick, later and later while the platform says its quota is used up.
Every read (room list, room, hashtag readings) is counted once in
`livefest_ingest_polls_total{outcome}`; a room failing read after read is tracked on its
own (`room_health.RoomStreaks`), so one bad room never looks like a failing platform.
Per-day counters become session-cumulative with the closed days' figures, which are kept
in the spool's state so a restarted adapter has them. For a platform whose every room is
an account (WeChat Channels) the poller polls one room; for a status-only platform
(mini-program live) it only counts the configured rooms on air. The interval between
cycles follows the credential's quota (`Pacing`); while the platform says the day's quota
is used up, the poller makes no call at all.
"""

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.snapshot import Snapshot
from services.ingest.adapters import NORMALIZERS
from services.ingest.adapters.api import AuthRejected, Listing, QuotaExhausted, RateLimited, Retryable
from services.ingest.adapters.common import Attribution, Carry, MalformedPayload, need
from services.ingest.client import PlatformClient
from services.ingest.metrics import OUTCOMES
from services.ingest.pacing import Pacing
from services.ingest.room_health import RoomStreaks
from services.ingest.spool import Message, Spool

log = logging.getLogger(__name__)
# A platform that says "slow down" (HTTP 429, WeChat 45011, Ocean Engine 40100/40110) is
# polled less and less often while it does (at most once a minute), at the normal pace
# again after the first good cycle.
PAUSE_MAX_SECONDS = 60.0


class Poller:
    def __init__(
        self,
        client: PlatformClient,
        spool: Spool,
        snapshot_topic: str,
        topicstats_topic: str,
        on_spooled: Any = None,
        label: str = "",
    ) -> None:
        self.client = client
        self.api = client.api
        self.platform = client.api.platform
        self.config = client.config
        self.metrics = client.metrics
        self.spool = spool
        self.snapshot_topic = snapshot_topic
        self.topicstats_topic = topicstats_topic
        self.on_spooled = on_spooled or (lambda: None)
        self.normalize = getattr(self.api, "normalize", None) or getattr(NORMALIZERS[self.platform], "normalize", None)
        self.rooms = {r.room_id: Attribution(r.county, r.special) for r in self.config.rooms}
        # The room whose account the client's credentials open (platforms where a room is an account).
        self.account_room = self.config.rooms[0].room_id if self.api.room_is_account and self.config.rooms else ""
        self._pause = 0.0  # extra wait after cycles the platform rate-limited
        self._limited = False
        self._done = {n.split(":", 2)[2] for n in spool.names(f"ended:{self.platform}:")}
        self._last: dict[str, datetime] = {}  # newest observed_at spooled per session
        self._reads: dict[str, int] = {}  # newest hashtag reads spooled per special
        self.spooled = 0
        self.streaks = RoomStreaks()
        # Every series exists from the start (at 0), so rate() sees the first failure.
        for outcome in OUTCOMES:
            self.metrics.polls.labels(self.platform, outcome)
        self.metrics.rooms_failing.labels(self.platform).set(0)
        self.pacing = Pacing(client, label or self.platform)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            await self.cycle()
            delay = self.pacing.interval + self._pause - (time.monotonic() - started)
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, delay))
            except TimeoutError:
                pass

    async def cycle(self) -> bool:
        """One pass over the platform; True when every read succeeded (False, without a
        call, while the credential's quota is used up)."""
        self._limited = False
        if self.pacing.resting():
            return False
        await self.pacing.count()
        clean = await self._pass()
        self._backoff()
        self.pacing.settle()
        return clean

    async def _pass(self) -> bool:
        try:
            await self.client.token()  # its answer sets the platform's clock before the first listing
            listings = [self._own(x) for x in await self.api.listings(self.client.call, self.client.platform_now())]
        except (Retryable, MalformedPayload, AuthRejected) as exc:
            self._skip(getattr(exc, "reason", "malformed"), f"room list: {exc}", exc)
            self._polled(False)
            return False
        self._polled(True)
        if self.api.publishes:
            reads = await asyncio.gather(*(self._room(x) for x in listings))
            self._track_rooms(listings, reads)
            clean = all(ok is not False for ok in reads)
        else:
            clean = self._statuses(listings)
        if self.config.topic_stats:
            clean = await self._topic_stats() and clean
        return clean

    def _polled(self, ok: bool) -> None:
        """Count one read of the back office (after its retries), once."""
        self.metrics.polls.labels(self.platform, OUTCOMES[0] if ok else OUTCOMES[1]).inc()
        if ok:
            self.metrics.last_success.labels(self.platform).set(time.time())

    def _track_rooms(self, listings: list[Listing | MalformedPayload], reads: list[bool | None]) -> None:
        read: list[str] = []
        for listing, ok in zip(listings, reads, strict=True):
            if isinstance(listing, Listing) and ok is not None:
                read.append(listing.room_id)
                if self.streaks.record(listing.room_id, ok):
                    log.warning("%s: room %s failed its last %d reads; its figures are frozen",
                                self.platform, listing.room_id, self.streaks.threshold,
                                extra={"platform": self.platform, "room_id": listing.room_id})
        self.streaks.keep_only(read)
        self.metrics.rooms_failing.labels(self.platform).set(len(self.streaks.failing()))

    def _own(self, listing: Listing | MalformedPayload) -> Listing | MalformedPayload:
        """A listing of the account polled is the account's room's."""
        if self.account_room and isinstance(listing, Listing):
            return replace(listing, room_id=self.account_room)
        return listing

    def _backoff(self) -> None:
        """Double the extra wait while the platform rate-limits us (up to a minute); reset after."""
        if self._limited:
            self._pause = min(PAUSE_MAX_SECONDS, max(self._pause * 2, self.config.poll_seconds))
        else:
            self._pause = 0.0

    def _statuses(self, listings: list[Listing | MalformedPayload]) -> bool:
        """Status-only platforms: how many configured rooms are on air (no figures exist)."""
        on_air = 0
        for listing in listings:
            if isinstance(listing, MalformedPayload):
                self._skip(listing.reason, f"room list record: {listing}")
            elif listing.room_id not in self.rooms:
                self._skip("unattributed", f"room {listing.room_id} is not in the configuration; skipped")
            else:
                on_air += listing.live
        self.metrics.rooms_on_air.labels(self.platform).set(on_air)
        return not any(isinstance(x, MalformedPayload) for x in listings)

    async def _room(self, listing: Listing | MalformedPayload) -> bool | None:
        """Read one listed room: True/False for a read that succeeded/failed, None when not read."""
        if isinstance(listing, MalformedPayload):
            self._skip(listing.reason, f"room list record: {listing}")
            self._polled(False)
            return False
        room = self.rooms.get(listing.room_id)
        if room is None:
            self._skip("unattributed", f"room {listing.room_id} is not in the configuration; skipped")
            return None
        if not listing.live or listing.live_id in self._done or self.pacing.resting():
            return None
        try:
            row = await self.api.detail(self.client.call, listing)
            carry = await self._carry(row) if self.api.per_day else Carry()
            snapshot = self.normalize(row, room, carry, datetime.now(UTC))  # type: ignore[misc]
        except (Retryable, MalformedPayload, AuthRejected) as exc:
            self._skip(getattr(exc, "reason", "malformed"), f"room {listing.room_id}: {exc}", exc)
            self._polled(False)
            return False
        self._polled(True)
        if snapshot is not None:
            self._spool_snapshot(snapshot, listing.live_id)
        return True

    def _spool_snapshot(self, snapshot: Snapshot, live_id: str) -> None:
        if self._last.get(snapshot.session_id) == snapshot.observed_at:
            return  # the platform has not moved since the last poll
        state = {}
        if snapshot.status == "ended":
            state[f"ended:{self.platform}:{live_id}"] = snapshot.session_id
            self._done.add(live_id)
        message = Message(self.snapshot_topic, snapshot.session_id.encode(), snapshot.to_json_bytes())
        self.spool.put([message], state)
        self._last[snapshot.session_id] = snapshot.observed_at
        self.metrics.snapshots.labels(self.platform).inc()
        self.spooled += 1
        self.on_spooled()

    async def _carry(self, row: Mapping[str, Any]) -> Carry:
        """Sum of the session's closed days before the row's statistics day (cached durably)."""
        first, today = self.api.days(row)
        live_id = str(need(row, "live_id"))
        carry, day = Carry(), first
        while day < today:
            name = f"day:{self.platform}:{live_id}:{day.isoformat()}"
            cached = self.spool.get(name)
            if cached is None:
                figures = await self.api.closed_day(self.client.call, row, day)
                self.spool.set(name, json.dumps(figures.__dict__))
            else:
                figures = Carry(**json.loads(cached))
            carry = carry.plus(figures)
            day += timedelta(days=1)
        return carry

    async def _topic_stats(self) -> bool:
        try:
            readings = await self.api.topic_stats(self.client.call)  # type: ignore[attr-defined]
        except (Retryable, MalformedPayload, AuthRejected) as exc:
            self._skip(getattr(exc, "reason", "malformed"), f"topic stats: {exc}", exc)
            self._polled(False)
            return False
        self._polled(True)
        # A reading is published when its count moved (the newest reading stands anyway).
        fresh = [r for r in readings if self._reads.get(r.special) != r.reads]
        if fresh:
            self.spool.put([Message(self.topicstats_topic, r.topic.encode(), r.to_json_bytes()) for r in fresh])
            for r in fresh:
                self._reads[r.special] = r.reads
            self.metrics.topic_stats.labels(self.platform).inc(len(fresh))
            self.on_spooled()
        return True

    def _skip(self, reason: str, detail: str, error: Exception | None = None) -> None:
        self._limited = self._limited or isinstance(error, RateLimited)
        if isinstance(error, QuotaExhausted):
            self.pacing.exhausted(str(error))
        if reason != "unattributed":
            log.warning("%s: %s", self.platform, detail, extra={"platform": self.platform, "reason": reason})
        if not isinstance(error, Retryable):  # the client counted every failed attempt already
            self.metrics.failures.labels(self.platform, reason).inc()
