"""`livefest ingest`: every configured platform's poller (asyncio, one task per platform)
plus the delivery thread that moves the spool to Kafka. Polling never touches Kafka,
so it goes on while the broker is away; the spool takes up the slack."""

import asyncio
import logging
import threading
import time
from pathlib import Path

import httpx

from kernel.settings import Settings
from services.ingest.adapters import apis
from services.ingest.client import PlatformClient
from services.ingest.config import IngestConfig, accounts
from services.ingest.delivery import Delivery
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.spool import Spool
from services.ingest.uv_poller import UvPoller

log = logging.getLogger(__name__)


def spool_path(settings: Settings) -> Path:
    return settings.data_dir / "ingest" / "spool.sqlite"


class Ingest:
    """Build with a config; `run(stop)` blocks until `stop` is set."""

    def __init__(
        self, config: IngestConfig, settings: Settings, metrics: IngestMetrics | None = None, spool: Path | None = None
    ) -> None:
        self.config = config
        self.settings = settings
        self.metrics = metrics or IngestMetrics.create()
        self.spool = Spool(spool or spool_path(settings))
        # Read at scrape time: the age stays true even while the delivery thread is blocked.
        self.metrics.spool_oldest_age.set_function(lambda: self.spool.oldest_age(time.time()))
        self.delivery = Delivery(self.spool, settings.kafka_access, settings.snapshot_topic, self.metrics)
        self.pollers: list[Poller] = []

    def counts(self) -> dict[str, int]:
        """Snapshots spooled per platform since start (for status lines)."""
        counts: dict[str, int] = {}
        for p in self.pollers:
            counts[p.platform] = counts.get(p.platform, 0) + p.spooled
        return counts

    def _build_pollers(self, http: httpx.AsyncClient) -> None:
        """One poller per account: a platform's, or each room's where every room is an account."""
        known = apis()
        for platform, cfg in self.config.platforms.items():
            api = known[platform]
            if not api.documented:
                log.info("%s: this back-office API exists only in livefest's simulator (schemas/platforms/)",
                         platform)
            for account in accounts(cfg):
                if api.room_is_account and len(account.rooms) > 1:
                    raise SystemExit(f"{platform}: every room is an account of its own; give each room "
                                     "its client_id and client_secret (deploy/ingest.example.toml)")
                client = PlatformClient(api, account, http, self.metrics)
                self.pollers.append(Poller(client, self.spool, self.settings.snapshot_topic,
                                           self.settings.topicstats_topic, self.delivery.wake))

    def _rooms(self) -> dict[str, int]:
        rooms: dict[str, int] = {}
        for p in self.pollers:
            rooms[p.platform] = rooms.get(p.platform, 0) + len(p.rooms)
        return rooms

    def run(self, stop: threading.Event) -> None:
        sender = threading.Thread(target=self.delivery.run, args=(stop,), name="ingest-delivery", daemon=True)
        sender.start()
        try:
            asyncio.run(self._poll(stop))
        finally:
            stop.set()
            sender.join(timeout=30)
            self.spool.close()

    async def _poll(self, stop: threading.Event) -> None:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (stop.wait(), loop.call_soon_threadsafe(done.set)), daemon=True).start()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
        async with httpx.AsyncClient(limits=limits) as http:
            self._build_pollers(http)
            log.info("polling %s", ", ".join(f"{p} ({n} rooms)" for p, n in self._rooms().items()))
            tasks = [p.run(done) for p in self.pollers]
            if self.config.kuaishou_uv is not None:
                uv = self.config.kuaishou_uv
                log.info("reading Kuaishou's real-time UV of %d merchant room(s)", len(uv.rooms))
                tasks.append(UvPoller(uv, http, self.spool, self.metrics).run(done))
            await asyncio.gather(*tasks)
