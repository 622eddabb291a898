"""`livefest clickhouse start|stop|status`: the local ClickHouse server of LIVEFEST_DATA_DIR.

Started and stopped like the local Kafka broker: it outlives the terminal that started
it, and every command run with the same environment (LIVEFEST_CLICKHOUSE unset) finds it
and goes through it. `livefest up` starts one itself when none runs, and then stops it.
"""

import click

from kernel.chserver import control, credentials
from kernel.chserver.paths import ServerPaths
from kernel.clickhouse_roles import Role
from kernel.settings import Settings, get_settings
from kernel.store_target import recorded_database


@click.group()
def clickhouse() -> None:
    """The local ClickHouse server over LIVEFEST_DATA_DIR (HTTP 127.0.0.1:8123, TCP :9000 by default)."""


@clickhouse.command()
def start() -> None:
    """Start it (unless it runs) and wait until it answers."""
    settings = get_settings()
    credentials.passwords(settings.data_dir, credentials.chosen_in(settings))  # generated now: the log says so
    try:
        running = control.start(settings.data_dir, settings.clickhouse_http_port, settings.clickhouse_tcp_port)
    except control.ServerFailed as exc:
        raise click.ClickException(str(exc)) from exc
    for line in describe(settings, running):
        click.echo(line)


@clickhouse.command()
def stop() -> None:
    """Stop it cleanly (SIGTERM; data flushed) and wait until it has exited."""
    settings = get_settings()
    pid = control.stop(settings.data_dir)
    click.echo(f"stopped the local ClickHouse server (pid {pid})" if pid else "no local ClickHouse server running")


@clickhouse.command()
def status() -> None:
    """Exit 0 when it runs and answers, 1 otherwise."""
    settings = get_settings()
    running = control.find_running(settings.data_dir)
    if running is None:
        click.echo(f"no local ClickHouse server running for {ServerPaths(settings.data_dir).data}")
        raise SystemExit(1)
    for line in describe(settings, running):
        click.echo(line)


def describe(settings: Settings, running: control.RunningServer) -> list[str]:
    paths = ServerPaths(settings.data_dir)
    return [
        f"local ClickHouse server running (pid {running.pid}): HTTP {running.http_url}, "
        f"native TCP {running.listen_host}:{running.tcp_port}",
        f"  data {paths.data}, log {paths.log}",
        f"  database of the latest `livefest up`: {recorded_database(settings.data_dir)}",
        f"  users: {Role.READER.user} (API, reports, Grafana: read-only), {Role.WRITER.user} (aggregators), "
        f"{Role.ADMIN.user} (migrations); passwords: LIVEFEST_CLICKHOUSE_<ROLE>_PASSWORD, else {paths.passwords}",
    ]
