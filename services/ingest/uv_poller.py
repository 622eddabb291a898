"""Polls Kuaishou's real-time UV of every configured merchant room and reports the sum per
county as `livefest_ingest_live_viewers{platform="kuaishou",county}`.

Why a gauge and not snapshots: a snapshot needs every counter, and Kuaishou publishes only
this one figure; the rooms' sales come from county reports. A room whose merchant has not
authorised livefest, or whose call fails, is counted (`livefest_ingest_failures_total`)
and left out of that cycle's sums; the others still count.
"""

import asyncio
import logging
from collections import defaultdict

import httpx

from services.ingest.adapters.api import AuthRejected, Retryable
from services.ingest.adapters.common import MalformedPayload
from services.ingest.adapters.kuaishou_uv import App, GrantStore, UvReader
from services.ingest.config import KuaishouUvConfig
from services.ingest.metrics import IngestMetrics

log = logging.getLogger(__name__)
PLATFORM = "kuaishou"


def app_of(config: KuaishouUvConfig) -> App:
    return App(config.base_url.rstrip("/"), config.app_key, config.app_secret.get_secret_value(),
               config.sign_secret.get_secret_value())


class UvPoller:
    def __init__(self, config: KuaishouUvConfig, http: httpx.AsyncClient, store: GrantStore,
                 metrics: IngestMetrics) -> None:
        self.config = config
        self.metrics = metrics
        self.readers = [(room.county, UvReader(app_of(config), room.room_id, http, store)) for room in config.rooms]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.cycle()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.config.poll_seconds)
            except TimeoutError:
                pass

    async def cycle(self) -> dict[str, int]:
        """Read every room; set and return the per-county sums of those that answered."""
        sums: dict[str, int] = defaultdict(int)
        for county, viewers in await asyncio.gather(*(self._read(county, r) for county, r in self.readers)):
            if viewers is not None:
                sums[county] += viewers
        for county, viewers in sums.items():
            self.metrics.live_viewers.labels(PLATFORM, county).set(viewers)
        return dict(sums)

    async def _read(self, county: str, reader: UvReader) -> tuple[str, int | None]:
        try:
            return county, await reader.read()
        except (Retryable, MalformedPayload, AuthRejected, httpx.HTTPError) as exc:
            log.warning("kuaishou real UV of %s: %s", reader.merchant, exc)
            self.metrics.failures.labels(PLATFORM, getattr(exc, "reason", "connection")).inc()
            return county, None
