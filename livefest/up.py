"""`livefest up`: the whole pipeline in one process, for a laptop or a control-room demo.

Broker (started if it is not running), migrations, the aggregator (main thread), the API
(a thread) and, unless told otherwise, a simulated festival evening replayed into Kafka.
The embedded ClickHouse engine allows one engine per process, hence one process.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import click

from livefest import broker, kafka_admin
from livefest.clickhouse import Store
from livefest.migrate import migrate
from livefest.settings import Settings
from livefest.timeutil import from_micros, rfc3339
from services.aggregator import worker
from services.api import reading
from services.api.main import create_app
from services.api.server import ApiServer
from services.ingest import hashtags
from services.ingest.festival import Festival
from services.ingest.publisher import SnapshotPublisher
from services.ingest.replay import Disorder, disordered, replay

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpOptions:
    simulate: bool = True
    speed: float = 20.0
    rooms: int = 90
    hours: float = 3.0
    seed: int = 2021
    status_every_s: float = 2.0


def up(settings: Settings, options: UpOptions) -> None:
    started_broker = _ensure_broker(settings)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    api: ApiServer | None = None
    try:
        kafka_admin.ensure_topics(
            settings.kafka,
            {
                settings.snapshot_topic: settings.topic_partitions,
                settings.dlq_topic: 1,
                settings.topicstats_topic: settings.topic_partitions,
                settings.topicstats_dlq_topic: 1,
            },
        )
        store = Store(settings.clickhouse_dsn)
        applied = migrate(store)
        click.echo(f"ClickHouse {store.dsn}: {len(applied)} migration(s) applied")
        api = ApiServer(create_app(settings, store), settings.api_host, settings.api_port)
        api.start()
        click.echo(f"API listening on {api.url}  (try {api.url}/v1/totals, docs at {api.url}/docs)")
        if options.simulate:
            threads.append(_start_simulator(settings, options, stop))
            threads.append(_start_hashtag_simulator(settings, options, stop))
        threads.append(_start_status_line(store, settings, options.status_every_s, stop))
        click.echo("aggregator starting; Ctrl-C stops everything")
        worker.run(worker.build(settings, store))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        if api:
            api.stop()
        if started_broker:
            broker.run_script("stop", settings)
        click.echo("livefest stopped")


def _ensure_broker(settings: Settings) -> bool:
    if kafka_admin.reachable(settings.kafka):
        return False
    if not broker.is_local(settings):
        raise kafka_admin.BrokerUnavailable(f"LIVEFEST_KAFKA={settings.kafka} is unreachable")
    click.echo(f"no broker at {settings.kafka}: starting the local one")
    broker.run_script("start", settings)
    return True


def _start_simulator(
    settings: Settings, options: UpOptions, stop: threading.Event
) -> threading.Thread:
    festival = Festival(
        seed=options.seed, rooms=options.rooms, duration=timedelta(hours=options.hours)
    )
    click.echo(
        f"simulating {options.rooms} live rooms from {rfc3339(festival.start)} "
        f"for {options.hours:g} h of event time at {options.speed:g}x"
    )

    def run() -> None:
        publisher = SnapshotPublisher(settings.kafka, settings.snapshot_topic)
        try:
            replay(
                publisher,
                disordered(festival.snapshots(), Disorder()),
                festival.start,
                options.speed,
                stop,
            )
        finally:
            publisher.close()

    thread = threading.Thread(target=run, name="simulator", daemon=True)
    thread.start()
    return thread


def _start_hashtag_simulator(
    settings: Settings, options: UpOptions, stop: threading.Event
) -> threading.Thread:
    """Interim publisher of hashtag readings (services/ingest/hashtags.py) until the Douyin
    adapter publishes them from the simulated back office."""
    festival = Festival(
        seed=options.seed, rooms=options.rooms, duration=timedelta(hours=options.hours)
    )

    def run() -> None:
        publisher = SnapshotPublisher(settings.kafka, settings.topicstats_topic)
        try:
            replay(publisher, hashtags.outgoing(hashtags.hashtag_readings(festival)),
                   festival.start, options.speed, stop)  # fmt: skip
        finally:
            publisher.close()

    thread = threading.Thread(target=run, name="hashtag-simulator", daemon=True)
    thread.start()
    return thread


def _start_status_line(
    store: Store, settings: Settings, every_s: float, stop: threading.Event
) -> threading.Thread:
    def run() -> None:
        while not stop.wait(every_s):
            try:
                click.echo(status_line(store, settings))
            except Exception as exc:  # the status line must never take the pipeline down
                log.debug("status line failed: %s", exc)

    thread = threading.Thread(target=run, name="status", daemon=True)
    thread.start()
    return thread


def status_line(store: Store, settings: Settings) -> str:
    wm = reading.watermark_us(store)
    if wm is None:
        return "city totals: waiting for the first snapshot…"
    figures = reading.totals(store, reading.filters(wm, settings.stale_after_seconds * 1_000_000))
    return (
        f"[{rfc3339(from_micros(wm))[11:19]} event time] city GMV ¥{format_yuan(figures.gmv_fen)}"
        f" | orders {figures.orders:,} | units {figures.units_sold:,}"
        f" | online {figures.viewers_online:,} | live {figures.sessions_live}/{figures.sessions} sessions"
    )


def format_yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals and thousands separators, exactly."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"
