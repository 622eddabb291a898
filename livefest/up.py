"""`livefest up`: the whole pipeline on one machine.

Two shapes, chosen by LIVEFEST_CLICKHOUSE (kernel/store_target.py):
- unset or `http(s)://…` (the default): the production shape, in processes
  (up_processes.py): a ClickHouse server (the data directory's local one, started here
  when none runs; or the external one), migrations, `--workers` aggregator processes in
  one consumer group, the API process, under a supervisor that restarts what crashes.
- `chdb:///…`: everything in this one process around the embedded engine (up_single.py),
  for the smallest setups; nothing else can read the data while it runs.
Both start the broker when it is absent, and, unless `--no-simulator`, the platforms'
simulated back offices and the adapters polling them (up_simulated.py).

A simulated festival is a replay of the same evening, so each run gets a database of
its own (with LIVEFEST_CLICKHOUSE unset): an earlier run's watermark, ahead of the
replay, would otherwise keep every session stale. The consumer group also skips what an
earlier run left unread in the topics. `--no-simulator` uses the database `livefest`.
"""

import time
from dataclasses import dataclass

import click

from kernel import kafka_admin
from kernel.clickhouse import Store
from kernel.lag import move_group_to_end
from kernel.migrate import migrate
from kernel.settings import Settings
from kernel.store_access import open_for_writing
from kernel.store_target import DEFAULT_DATABASE, StoreTarget, record_database, split_database
from livefest import broker
from livefest.up_simulated import FestivalOptions


@dataclass(frozen=True)
class UpOptions:
    simulate: bool = True
    festival: FestivalOptions = FestivalOptions(speed=20.0, rooms=60, hours=3.0, seed=2021, faults=0.03,
                                                poll_seconds=1.0)  # fmt: skip
    workers: int = 2
    restart_delay_s: float = 1.0
    status_every_s: float = 2.0


def up(settings: Settings, options: UpOptions) -> None:
    started_broker = _ensure_broker(settings)
    try:
        kafka_admin.ensure_pipeline_topics(settings)
        database = run_database(settings, options.simulate)
        if options.simulate:
            _skip_earlier_runs(settings)
        if settings.clickhouse_dsn and settings.clickhouse_dsn.startswith("chdb:"):
            from livefest.up_single import run
        else:
            from livefest.up_processes import run  # type: ignore[assignment]
        run(settings, database, options)
    finally:
        if started_broker:
            broker.run_script("stop", settings)
        click.echo("livefest stopped")


def run_database(settings: Settings, simulate: bool) -> str:
    """This run's database: a new one per simulated run of the data directory's own store."""
    if settings.clickhouse_dsn:
        return split_database(settings.clickhouse_dsn)[1]
    database = time.strftime("festival_%Y%m%d_%H%M%S") if simulate else DEFAULT_DATABASE
    record_database(settings.data_dir, database)
    if simulate:
        click.echo(f"this simulated festival gets its own ClickHouse database: {database} "
                   "(earlier runs keep theirs; commands in other terminals use this one)")  # fmt: skip
    return database


def prepare_store(target: StoreTarget, simulate: bool) -> Store:
    """The run's store, created and migrated; says which it is."""
    store = open_for_writing(target)
    applied = migrate(store)
    click.echo(f"{target.describe()}: {len(applied)} migration(s) applied")
    if simulate and store.rows("SELECT count() > 0 FROM (SELECT 1 FROM snapshots LIMIT 1)")[0][0]:
        click.secho(
            f"warning: database {target.database} already holds snapshots of an earlier run; its watermark "
            "may be ahead of this replay (sessions then show offline until it catches up). For a fresh "
            "run, point LIVEFEST_CLICKHOUSE at a new database, or leave it unset (one database per run).",
            fg="yellow",
        )
    return store


def announce_api(url: str) -> None:
    """Where the API and the big screen are (both shapes say it the same way)."""
    click.echo(f"API listening on {url}  (try {url}/v1/totals, docs at {url}/docs; big screen: {url}/screen)")


def _ensure_broker(settings: Settings) -> bool:
    if kafka_admin.reachable(settings.kafka):
        return False
    if not broker.is_local(settings):
        raise kafka_admin.BrokerUnavailable(f"LIVEFEST_KAFKA={settings.kafka} is unreachable")
    click.echo(f"no broker at {settings.kafka}: starting the local one")
    broker.run_script("start", settings)
    return True


def _skip_earlier_runs(settings: Settings) -> None:
    topics = (settings.snapshot_topic, settings.topicstats_topic)
    skipped = move_group_to_end(settings.kafka_access, settings.consumer_group, topics)
    if skipped:
        click.echo(f"consumer group {settings.consumer_group}: skipped {skipped:,} message(s) an earlier run "
                   "left unread (they belong to that run's database)")  # fmt: skip
