"""`livefest up`: the whole pipeline in one process, for a laptop or a control-room demo.

Broker (started if it is not running), migrations, the aggregator (main thread), the API
(a thread) and, unless told otherwise, a simulated festival evening replayed into Kafka.
The embedded ClickHouse engine allows one engine per process, hence one process.
"""

import logging
import threading
from dataclasses import dataclass

import click

from kernel import kafka_admin
from kernel.clickhouse import Store
from kernel.migrate import migrate
from kernel.settings import Settings
from kernel.timeutil import from_micros, rfc3339
from livefest import broker
from livefest.simconfig import simulator_config
from services.aggregator import worker
from services.api import reading
from services.api.main import create_app
from services.api.server import ApiServer
from services.ingest.runtime import Ingest
from services.simulator.app import create_app as create_simulator
from services.simulator.backoffice import BackOffice, Misbehaviour
from services.simulator.script import ScriptedFestival

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpOptions:
    simulate: bool = True
    speed: float = 20.0
    rooms: int = 60
    hours: float = 3.0
    seed: int = 2021
    status_every_s: float = 2.0
    faults: float = 0.03
    poll_seconds: float = 1.0


def up(settings: Settings, options: UpOptions) -> None:
    started_broker = _ensure_broker(settings)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    api: ApiServer | None = None
    simulator: ApiServer | None = None
    ingest: Ingest | None = None
    try:
        kafka_admin.ensure_pipeline_topics(settings)
        store = Store(settings.clickhouse_dsn)
        applied = migrate(store)
        click.echo(f"ClickHouse {store.dsn}: {len(applied)} migration(s) applied")
        api = ApiServer(create_app(settings, store), settings.api_host, settings.api_port)
        api.start()
        click.echo(f"API listening on {api.url}  (try /v1/totals, docs at /docs; big screen: {api.url}/screen)")
        if options.simulate:
            simulator, ingest = _simulated_platforms(settings, options)
            threads.append(_start_ingest(ingest, stop))
        threads.append(_start_status_line(store, settings, options.status_every_s, stop, ingest))
        click.echo("aggregator starting; Ctrl-C stops everything")
        worker.run(worker.build(settings, store))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        if api:
            api.stop()
        if simulator:
            simulator.stop()
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


def _simulated_platforms(settings: Settings, options: UpOptions) -> tuple[ApiServer, Ingest]:
    """The platforms' simulated back offices (a thread) and the adapters polling them."""
    festival = ScriptedFestival.fitted(options.seed, options.rooms, options.hours)
    office = BackOffice(festival, options.speed, Misbehaviour(options.faults, 1.0, options.seed))
    # The simulated back offices write their own clock (event time) into each answer's Date.
    simulator = ApiServer(create_simulator(office), settings.simulator_host, settings.simulator_port,
                          date_header=False)
    simulator.start()
    click.echo(
        f"simulating {len(festival.plans)} broadcasts on 8 platforms' back offices at {simulator.url} "
        f"(truth at {simulator.url}/truth), {options.speed:g}x: about {office.clock.wall_seconds_left():.0f} s"
    )
    config = simulator_config(festival, simulator.url, poll_seconds=options.poll_seconds)
    # A fresh simulated festival: what the adapters remembered of an earlier one does not apply.
    ingest = Ingest(config, settings, spool=settings.data_dir / "ingest" / "up-simulated.sqlite")
    ingest.spool.forget_state()
    return simulator, ingest


def _start_ingest(ingest: Ingest, stop: threading.Event) -> threading.Thread:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    thread = threading.Thread(target=ingest.run, args=(stop,), name="ingest", daemon=True)
    thread.start()
    return thread


def _start_status_line(
    store: Store, settings: Settings, every_s: float, stop: threading.Event, ingest: Ingest | None = None
) -> threading.Thread:
    def run() -> None:
        while not stop.wait(every_s):
            try:
                click.echo(status_line(store, settings))
                if ingest is not None:
                    click.echo(adapters_line(ingest.counts(), ingest.spool.depth()))
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


def adapters_line(counts: dict[str, int], spooled: int) -> str:
    """Snapshots each platform's adapter has taken so far, and what waits for Kafka."""
    per_platform = " | ".join(f"{platform} {n:,}" for platform, n in counts.items())
    return f"  adapters: {per_platform} | spool {spooled:,}"


def format_yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals and thousands separators, exactly."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"
