"""`livefest up` with LIVEFEST_CLICKHOUSE=chdb:///…: everything in one process.

The embedded engine allows one engine per process and one process per data path, so the
aggregator (main thread), the API (a thread) and the simulated platforms share this
process. For the smallest setups: while it runs, no other process can read the data
(reports and Grafana need the production shape, with LIVEFEST_CLICKHOUSE unset).
"""

import threading

import click

from kernel.settings import Settings
from kernel.store_target import resolve
from livefest.logs import log_to_file
from livefest.up import UpOptions, announce_api, prepare_store
from livefest.up_simulated import SimulatedPlatforms, start_back_offices
from livefest.up_status import start_status_line
from services.aggregator import worker
from services.api.main import create_app
from services.api.server import ApiServer


def run(settings: Settings, database: str, options: UpOptions) -> None:
    target = resolve(settings, database)
    logfile = log_to_file(settings, settings.data_dir / "logs" / "up.log")
    stop = threading.Event()
    api: ApiServer | None = None
    platforms: SimulatedPlatforms | None = None
    try:
        store = prepare_store(target, options.simulate)
        api = ApiServer(create_app(settings, store), settings.api_host, settings.api_port)
        api.start()
        announce_api(api.url)
        if options.simulate:
            platforms = start_back_offices(settings, options.festival)
            platforms.start_adapters()
        start_status_line(store, settings, options.status_every_s, stop,
                          platforms.adapters_line if platforms else None)  # fmt: skip
        click.echo(f"one process with the embedded engine; aggregator starting (its log: {logfile}); "
                   "Ctrl-C stops everything")  # fmt: skip
        worker.run(worker.build(settings, store))  # Faust logs as configured above: to the file
    finally:
        stop.set()
        if platforms:
            platforms.stop_adapters()
            platforms.stop_back_offices()
        if api:
            api.stop()

