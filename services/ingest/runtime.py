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
from services.ingest.config import IngestConfig
from services.ingest.delivery import Delivery
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.spool import Spool

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
        self.delivery = Delivery(self.spool, settings.kafka, settings.snapshot_topic, self.metrics)
        self.pollers: list[Poller] = []

    def counts(self) -> dict[str, int]:
        """Snapshots spooled per platform since start (for status lines)."""
        return {p.platform: p.spooled for p in self.pollers}

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
        known = apis()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
        async with httpx.AsyncClient(limits=limits) as http:
            for platform, cfg in self.config.platforms.items():
                client = PlatformClient(known[platform], cfg, http, self.metrics)
                self.pollers.append(
                    Poller(client, self.spool, self.settings.snapshot_topic, self.settings.topicstats_topic,
                           self.delivery.wake)
                )
            log.info("polling %s", ", ".join(f"{p.platform} ({len(p.rooms)} rooms)" for p in self.pollers))
            await asyncio.gather(*(p.run(done) for p in self.pollers))
