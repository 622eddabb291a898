"""`livefest ingest`: every configured platform's poller (asyncio, one task per platform)
plus the delivery thread that moves the spool to Kafka. Polling never touches Kafka,
so it goes on while the broker is away; the spool takes up the slack."""

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from aiolimiter import AsyncLimiter

from kernel.settings import Settings
from services.ingest.adapters import apis
from services.ingest.adapters.api import PlatformApi
from services.ingest.adapters.qianchuan_api import QianchuanApi, SimulatedGrantToken
from services.ingest.adapters.qianchuan_oauth import OceanApp
from services.ingest.budget import Budget, Store
from services.ingest.client import PlatformClient
from services.ingest.config import IngestConfig, PlatformConfig, QianchuanConfig, accounts, advertisers
from services.ingest.delivery import Delivery
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller
from services.ingest.quota import UNLIMITED
from services.ingest.spool import Spool
from services.ingest.tokens import Tokens, TokenSource
from services.ingest.uv_poller import UvPoller

log = logging.getLogger(__name__)


def spool_path(settings: Settings) -> Path:
    return settings.data_dir / "ingest" / "spool.sqlite"


def credential_client(
    api: PlatformApi, account: PlatformConfig, http: httpx.AsyncClient, metrics: IngestMetrics,
    source: TokenSource | None, store: Store, label: str, key: str, clock: Callable[[], float] = time.time,
    limiter: AsyncLimiter | None = None,
) -> PlatformClient:
    """One credential's client: its token source, and the budget of its platform's quota
    (`label` its metric label, `key` its id to the platform; none for simulator-only APIs)."""
    client = PlatformClient(api, account, http, metrics, source, clock=clock, limiter=limiter)
    if api.quota is not UNLIMITED:
        quota = api.quota.with_daily(account.daily_quota) if account.daily_quota else api.quota
        client.budget = Budget(api.platform, label, key, quota, api.calls_per_cycle(len(account.rooms)), store,
                               metrics, client.platform_now)
    return client


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
        """One poller per credential: a platform's, each room's where every room is an
        account, each Qianchuan advertiser's; one token source per appid or grant."""
        known = apis()
        tokens = Tokens(self.spool)
        for platform, cfg in self.config.platforms.items():
            api = known[platform]
            if not api.documented:
                log.info("%s: this back-office API exists only in livefest's simulator (schemas/platforms/)",
                         platform)
            for index, account in enumerate(accounts(cfg)):
                if api.room_is_account and len(account.rooms) > 1:
                    raise SystemExit(f"{platform}: every room is an account of its own; give each room "
                                     "its client_id and client_secret (deploy/ingest.example.toml)")
                self._add(http, api.for_account(), account, self._source(api, account, tokens), str(index),
                          account.client_id)
        if self.config.qianchuan is not None:
            self._add_qianchuan(http, self.config.qianchuan, tokens)

    def _add_qianchuan(self, http: httpx.AsyncClient, cfg: QianchuanConfig, tokens: Tokens) -> None:
        """One poller per advertiser; Ocean Engine's rate limit is the developer's (our app's),
        so they share one limiter and each plans with its share of it."""
        app = OceanApp(cfg.base_url.rstrip("/"), int(cfg.client_id), cfg.client_secret.get_secret_value())
        groups = advertisers(cfg)
        limiter = AsyncLimiter(cfg.rate_per_second, 1.0)
        for index, account in enumerate(groups):
            advertiser = account.rooms[0].advertiser_id or 0
            api = QianchuanApi(advertiser, {r.aweme_id or 0: r.room_id for r in account.rooms},
                               cfg.rate_per_second / len(groups), self.spool)
            made = (lambda a=advertiser: SimulatedGrantToken(app, a, self.spool, http)) if cfg.simulator_authorizes \
                else None
            self._add(http, api, account, tokens.grant(app, advertiser, made), f"qianchuan-{index}", str(advertiser),
                      limiter)

    def _source(self, api: PlatformApi, account: PlatformConfig, tokens: Tokens) -> TokenSource | None:
        return tokens.stable_for(api, account)

    def _add(self, http: httpx.AsyncClient, api: PlatformApi, account: PlatformConfig, source: TokenSource | None,
             label: str, key: str, limiter: AsyncLimiter | None = None) -> None:
        client = credential_client(api, account, http, self.metrics, source, self.spool, label, key, limiter=limiter)
        rooms = ", ".join(r.room_id for r in account.rooms[:3]) + (" …" if len(account.rooms) > 3 else "")
        self.pollers.append(Poller(client, self.spool, self.settings.snapshot_topic, self.settings.topicstats_topic,
                                   self.delivery.wake, label=f"{api.platform} credential {label} ({rooms})"))

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
