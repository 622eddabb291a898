"""The `livefest` command."""

import json
import logging
import sys
from pathlib import Path

import click

from kernel.settings import get_settings
from livefest.dlq import dlq
from livefest.status import status


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # kafka-python narrates every connection at INFO; keep its warnings and errors.
    logging.getLogger("kafka").setLevel(logging.DEBUG if verbose else logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """livefest: metrics pipeline for city-wide livestream-commerce festivals.

    Configuration comes from LIVEFEST_* environment variables (see README).
    """
    _logging(verbose)


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
def up(
    no_simulator: bool, speed: float, rooms: int, hours: float, seed: int, faults: float, poll_seconds: float
) -> None:
    """Start broker, migrations, aggregator, API, the platforms' simulated back offices and
    the adapters polling them (the festival replayed at --speed)."""
    from livefest.up import UpOptions
    from livefest.up import up as run_up

    options = UpOptions(not no_simulator, speed, rooms, hours, seed, faults=faults, poll_seconds=poll_seconds)
    run_up(get_settings(), options)


@main.command()
@click.option(
    "--print-cluster-ddl",
    "cluster",
    metavar="CLUSTER",
    default=None,
    help="Print the Replicated*/Distributed variant of every migration for CLUSTER; apply nothing.",
)
def migrate(cluster: str | None) -> None:
    """Apply the ClickHouse migrations that are not applied yet."""
    if cluster:
        from livefest.cluster_ddl import cluster_ddl

        sys.stdout.write(cluster_ddl(cluster))
        return
    from kernel.clickhouse import Store
    from kernel.migrate import migrate as run_migrate

    settings = get_settings()
    applied = run_migrate(Store(settings.clickhouse_dsn))
    for m in applied:
        click.echo(f"applied {m.version:04d}_{m.name}")
    click.echo(f"{len(applied)} migration(s) applied; schema is current")


@main.command()
def aggregator() -> None:
    """Run one aggregator worker (Kafka -> ClickHouse) until Ctrl-C / SIGTERM."""
    from prometheus_client import start_http_server

    from kernel import kafka_admin
    from kernel.clickhouse import Store
    from services.aggregator import worker

    settings = get_settings()
    # Before Faust subscribes (and might create them bare): the inbound topics must carry
    # the broker's clock, which bounds event time.
    kafka_admin.ensure_pipeline_topics(settings)
    start_http_server(settings.aggregator_web_port)
    worker.run(worker.build(settings, Store(settings.clickhouse_dsn)))


@main.command()
def api() -> None:
    """Serve the HTTP API (use a ClickHouse server DSN: chdb allows one process)."""
    import uvicorn

    from kernel.clickhouse import Store
    from services.api.main import create_app

    settings = get_settings()
    app = create_app(settings, Store(settings.clickhouse_dsn))
    uvicorn.run(app, host=settings.api_host, port=settings.api_port)


@main.command()
@click.option(
    "--speed", default=0.0, show_default=True, help="Speed factor; 0 = as fast as possible."
)
@click.option("--rooms", default=90, show_default=True)
@click.option("--hours", default=3.0, show_default=True)
@click.option("--seed", default=2021, show_default=True)
@click.option("--clean", is_flag=True, help="No duplicates, delays or malformed messages.")
def replay(speed: float, rooms: int, hours: float, seed: int, clean: bool) -> None:
    """Publish a simulated festival evening to Kafka (canonical snapshots)."""
    import threading
    from datetime import timedelta

    from services.ingest.publisher import SnapshotPublisher
    from services.ingest.replay import Disorder, disordered
    from services.ingest.replay import replay as run_replay
    from services.simulator.festival import Festival

    settings = get_settings()
    festival = Festival(seed=seed, rooms=rooms, duration=timedelta(hours=hours))
    publisher = SnapshotPublisher(settings.kafka, settings.snapshot_topic)
    messages = disordered(festival.snapshots(), Disorder.none() if clean else Disorder())
    sent = run_replay(publisher, messages, festival.start, speed or 1e12, threading.Event())
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

from livefest.import_cli import import_report as _import  # noqa: E402

main.add_command(_import)

if __name__ == "__main__":
    main()
