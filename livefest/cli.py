"""The `livefest` command."""

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from kernel import logs, private_files
from kernel.lifeline import follow_supervisor
from kernel.settings import Settings, get_settings
from livefest.clickhouse_cli import clickhouse
from livefest.dlq import dlq
from livefest.status import status


def user_error(exc: Exception) -> str | None:
    """The one line an operator sees for a failure that is theirs to fix (None: a bug).

    The one place that maps the kernel's (and the Kafka client's) error types to
    messages, each saying which setting is involved and what to do."""
    from kafka.errors import KafkaError, KafkaTimeoutError
    from pydantic import ValidationError

    from kernel.clickhouse import EngineInUse, StoreError, StoreUnavailable
    from kernel.cluster import ClusterError
    from kernel.kafka_admin import START_HINT, BrokerUnavailable
    from kernel.kafka_clients import KafkaAuthFailed
    from kernel.layout import LayoutMismatch
    from kernel.settings import explain
    from kernel.store_access import NoData
    from livefest.rebuild import RebuildError
    from services.ingest.publisher import BrokerUnreachable

    settings = _settings_or_none()
    if isinstance(exc, ValidationError):
        return explain(exc)  # never the value of a secret
    if isinstance(exc, NoData | EngineInUse | ClusterError | LayoutMismatch | RebuildError):
        return str(exc)  # it names the store (or node) and what to do
    if isinstance(exc, StoreUnavailable):
        return (f"{_store_name(settings)} is unreachable ({_root_cause(exc)}): start the ClickHouse server "
                "(`livefest clickhouse start`, `livefest up`) or point LIVEFEST_CLICKHOUSE at one")
    if isinstance(exc, StoreError):
        return f"ClickHouse refused the query ({exc}); is the schema migrated? Run `livefest migrate`"
    if isinstance(exc, BrokerUnavailable | BrokerUnreachable | KafkaAuthFailed):
        return str(exc)
    if isinstance(exc, KafkaError):
        kafka = settings.kafka_access.describe() if settings else "LIVEFEST_KAFKA=?"
        if isinstance(exc, KafkaTimeoutError):
            if settings is not None and settings.kafka_access.uses_sasl:
                # kafka-python retries a refused SASL handshake like a lost connection: on a
                # busy machine its bootstrap can time out before the refusal is seen.
                return (f"{kafka} did not answer in time or refused the credentials ({exc}): check "
                        "LIVEFEST_KAFKA_SASL_USERNAME / LIVEFEST_KAFKA_SASL_PASSWORD, and that the broker runs")
            return f"{kafka} did not answer in time ({exc}): {START_HINT}"
        return f"Kafka at {kafka} failed ({exc}); is the broker up? See `livefest status`"
    return None


def _store_name(settings: "Settings | None") -> str:
    """LIVEFEST_CLICKHOUSE as set (password hidden), or which store its absence meant."""
    from kernel.clickhouse import redact
    from kernel.store_target import resolve

    if settings is None:
        return "LIVEFEST_CLICKHOUSE"
    if settings.clickhouse_dsn:
        return f"LIVEFEST_CLICKHOUSE={redact(settings.clickhouse_dsn)}"
    return resolve(settings).describe()


def _root_cause(exc: BaseException) -> str:
    """The innermost cause (a refused connection, a DNS failure), not the drivers' wrappers."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc) or type(exc).__name__


def _settings_or_none() -> "Settings | None":
    try:
        return get_settings()
    except Exception:  # the settings themselves may be what is wrong
        return None


class OperatorGroup(click.Group):
    """`livefest`: a user's mistake or an unreachable service ends as one line on stderr
    and exit status 1 (click.ClickException), never as a traceback."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """As click's, except that a bad argument is one line too (with where to look)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            where = f" (see `{exc.ctx.command_path} -h`)" if exc.ctx else ""
            click.echo(f"Error: {exc.format_message()}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            message = user_error(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc


SERVICES = {"up", "aggregator", "api", "ingest", "simulate"}  # long-running: their logs are their voice


def _logging(verbose: bool, component: str) -> None:
    """Every command logs the same way: LIVEFEST_LOG_FORMAT (text or json), to stderr."""
    logs.configure(get_settings().log_format, logging.DEBUG if verbose else logging.INFO, component)
    # kafka-python narrates every connection at INFO. In a one-shot command, it and the
    # ClickHouse driver also log a traceback per failed attempt before the one line the
    # command reports anyway; a service keeps their warnings for its log.
    quiet = logging.WARNING if component in SERVICES else logging.CRITICAL
    for name in ("kafka", "clickhouse_connect", "urllib3", "urllib3.connectionpool"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else max(quiet, logging.WARNING))


@click.group(cls=OperatorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="livefest", prog_name="livefest")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """livefest: metrics pipeline for city-wide livestream-commerce festivals.

    Configuration comes from LIVEFEST_* environment variables (see README).
    """
    follow_supervisor()
    # Before anything is written: what this command and its children create under
    # LIVEFEST_DATA_DIR is theirs alone (0700/0600).
    private_files.restrict_umask()
    command = click.get_current_context().invoked_subcommand or "livefest"
    _logging(verbose, command)
    if command in SERVICES:
        private_files.warn_if_open(get_settings().data_dir, logging.getLogger("livefest"))


@main.command()
@click.option("--no-simulator", is_flag=True, help="Run the pipeline with no traffic of its own.")
@click.option(
    "--speed", default=20.0, show_default=True, help="Replay speed factor of the simulated evening."
)
@click.option("--rooms", default=60, show_default=True, help="Simulated broadcast sessions (rooms).")
@click.option(
    "--hours", default=3.0, show_default=True,
    help="Event-time hours of broadcasting the simulated festival is compressed into.",
)
@click.option("--seed", default=2021, show_default=True, help="Seed of the simulated festival.")
@click.option("--faults", default=0.03, show_default=True, help="Share of back-office requests that misbehave.")
@click.option("--poll-seconds", default=1.0, show_default=True, help="Adapters' poll interval (wall time).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Aggregator processes (one consumer group; more than the partitions sit idle).")
@click.option("--restart-delay", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds before a crashed process is restarted (doubling for crashes in a row).")
def up(
    no_simulator: bool, speed: float, rooms: int, hours: float, seed: int, faults: float, poll_seconds: float,
    workers: int, restart_delay: float,
) -> None:
    """Start broker, ClickHouse server, migrations, aggregator workers, API, the platforms'
    simulated back offices and the adapters polling them (the festival replayed at --speed).
    With LIVEFEST_CLICKHOUSE=chdb:///… everything runs in this one process instead."""
    from kernel.chserver.control import ServerFailed
    from livefest.supervisor import ChildFailed
    from livefest.up import UpOptions
    from livefest.up import up as run_up
    from livefest.up_simulated import FestivalOptions

    festival = FestivalOptions(speed, rooms, hours, seed, faults, poll_seconds)
    options = UpOptions(not no_simulator, festival, workers=workers, restart_delay_s=restart_delay)
    signal.signal(signal.SIGTERM, _interrupt)  # stop in order, as on Ctrl-C
    try:
        run_up(get_settings(), options)
    except KeyboardInterrupt:
        pass
    except (ServerFailed, ChildFailed) as exc:  # the rest: OperatorGroup's one line
        raise click.ClickException(str(exc)) from exc


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@main.command()
@click.option(
    "--print-cluster-ddl",
    "cluster",
    metavar="CLUSTER",
    default=None,
    help="Print the cluster variant of every migration for CLUSTER (Replicated*/Distributed, ON CLUSTER); "
    "apply nothing.",
)
@click.option(
    "--no-replication",
    is_flag=True,
    help="The sharded layout without Replicated engines (a cluster without Keeper): for --print-cluster-ddl, "
    "or for a new cluster's schema with LIVEFEST_CLICKHOUSE_CLUSTER (an existing one keeps its layout).",
)
def migrate(cluster: str | None, no_replication: bool) -> None:
    """Apply the ClickHouse migrations that are not applied yet (with LIVEFEST_CLICKHOUSE_CLUSTER,
    to every node of the cluster)."""
    if cluster:
        from livefest.cluster_ddl import cluster_ddl

        sys.stdout.write(cluster_ddl(cluster, replicated=not no_replication))
        return
    from kernel.clickhouse_roles import Role
    from kernel.cluster_migrate import migrate_cluster
    from kernel.migrate import migrate as run_migrate
    from kernel.store_access import open_for_writing
    from kernel.store_target import resolve

    target = resolve(get_settings(), role=Role.ADMIN)
    if no_replication and not target.cluster:
        raise click.UsageError("--no-replication needs --print-cluster-ddl or LIVEFEST_CLICKHOUSE_CLUSTER")
    store = open_for_writing(target)
    applied = migrate_cluster(store, not no_replication) if target.cluster else run_migrate(store)
    click.echo(target.describe())
    for m in applied:
        click.echo(f"applied {m.version:04d}_{m.name}")
    click.echo(f"{len(applied)} migration(s) applied; schema is current")


@main.command()
def aggregator() -> None:
    """Run one aggregator worker (Kafka -> ClickHouse) until Ctrl-C / SIGTERM."""
    from prometheus_client import start_http_server

    from kernel import kafka_admin
    from kernel.clickhouse_roles import Role
    from kernel.store_access import connect
    from kernel.store_target import resolve
    from services.aggregator import worker

    settings = get_settings()
    # Throughput work yields the CPU to latency work: the API (and the big screens) answer
    # within milliseconds while a worker writes at full speed on the same cores.
    os.nice(settings.aggregator_nice)
    # Before Faust subscribes (and might create them bare): the inbound topics must carry
    # the broker's clock, which bounds event time.
    kafka_admin.ensure_pipeline_topics(settings)
    start_http_server(settings.aggregator_web_port, addr=settings.aggregator_web_host)
    worker.run(worker.build(settings, connect(resolve(settings, role=Role.WRITER))))


@main.command()
def api() -> None:
    """Serve the HTTP API (with a ClickHouse server: the embedded engine allows one process)."""
    import uvicorn

    from kernel.store_access import connect
    from kernel.store_target import resolve
    from services.api.main import create_app
    from services.api.server import Server

    settings = get_settings()
    # Bounded waits: with ClickHouse away, requests answer 503 quickly instead of hanging.
    store = connect(resolve(settings), query_timeout_s=settings.api_clickhouse_timeout_seconds, connect_timeout_s=2)
    app = create_app(settings, store)
    # As uvicorn.run, with the server that ends the big screens' streams when it stops.
    server = Server(uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_config=None))
    try:
        server.run()  # SIGTERM/SIGINT stop it (uvicorn raises the signal again once stopped)
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(3)  # as uvicorn.run: the port in use, say (it logged why)


@main.command()
@click.option(
    "--speed", default=0.0, show_default=True, type=click.FloatRange(min=0),
    help="Speed factor; 0 = as fast as possible.",
)
@click.option("--rooms", default=90, show_default=True, type=click.IntRange(min=1))
@click.option("--hours", default=3.0, show_default=True, type=click.FloatRange(min=0, min_open=True))
@click.option("--seed", default=2021, show_default=True)
@click.option("--clean", is_flag=True, help="No duplicates, delays or malformed messages.")
def replay(speed: float, rooms: int, hours: float, seed: int, clean: bool) -> None:
    """Publish a simulated festival evening to Kafka (canonical snapshots)."""
    import threading
    from datetime import timedelta

    from kernel import kafka_admin
    from livefest import progress
    from services.ingest.publisher import SnapshotPublisher
    from services.ingest.replay import Disorder, disordered
    from services.ingest.replay import replay as run_replay
    from services.simulator.festival import Festival

    settings = get_settings()
    kafka_admin.require(settings.kafka_access)
    festival = Festival(seed=seed, rooms=rooms, duration=timedelta(hours=hours))
    publisher = SnapshotPublisher(settings.kafka_access, settings.snapshot_topic)
    messages = disordered(festival.snapshots(), Disorder.none() if clean else Disorder())
    with progress.counted(f"publishing to {settings.snapshot_topic}", messages) as counted:
        sent = run_replay(publisher, counted, festival.start, speed or 1e12, threading.Event())
    publisher.close()
    click.echo(f"published {sent} messages to {settings.snapshot_topic}")


@main.group()
def schema() -> None:
    """The exported JSON Schemas of livefest.snapshot.v1 and livefest.topicstats.v1."""


@schema.command("export")
@click.option("--output", type=click.Path(path_type=Path), default=None, help="Default: stdout.")
@click.option(
    "--event", type=click.Choice(["snapshot", "topicstats"]), default="snapshot", show_default=True
)
def schema_export(output: Path | None, event: str) -> None:
    from schemas.export import snapshot_json_schema, topic_stats_json_schema

    exported = snapshot_json_schema() if event == "snapshot" else topic_stats_json_schema()
    text = json.dumps(exported, indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


# Operator commands, each in its own module.
main.add_command(status)
main.add_command(dlq)
main.add_command(clickhouse)

from livefest.results_cli import rebuild, reconcile, report  # noqa: E402  (commands of their own module)

main.add_command(rebuild)
main.add_command(report)
main.add_command(reconcile)

from livefest.ingest_cli import ingest as _ingest  # noqa: E402
from livefest.ingest_cli import kuaishou_authorize as _kuaishou_authorize  # noqa: E402
from livefest.ingest_cli import simulate as _simulate  # noqa: E402

main.add_command(_simulate)
main.add_command(_ingest)
main.add_command(_kuaishou_authorize)

from livefest.platform_cli import qianchuan_authorize as _qianchuan_authorize  # noqa: E402
from livefest.platform_cli import wechat_clear_quota as _wechat_clear_quota  # noqa: E402

main.add_command(_qianchuan_authorize)
main.add_command(_wechat_clear_quota)

from livefest.import_cli import import_report as _import  # noqa: E402

main.add_command(_import)

if __name__ == "__main__":
    main()
