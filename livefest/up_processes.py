"""`livefest up` in the production shape: separate processes under a supervisor.

Started in this order, each once the previous answers: the ClickHouse server (the data
directory's local one, unless one already runs or LIVEFEST_CLICKHOUSE names an external
server), migrations, the API process, `--workers` aggregator processes (one consumer
group, settled before traffic: group_ready.py), then the simulated platforms in this
process. Ctrl-C (or SIGTERM) stops them the
other way round: adapters, aggregators, API, ClickHouse server (only if started here).
Children's output goes to LIVEFEST_DATA_DIR/logs/<name>.log; `up.json` beside it says
which processes run, with their pids and ports, and `"state": "running"` once all is up.
"""

import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import click
import httpx
from prometheus_client import start_http_server

from kernel.chserver import credentials
from kernel.chserver.control import RunningServer, find_running, host_command
from kernel.chserver.paths import ServerPaths
from kernel.clickhouse_roles import Role
from kernel.settings import Settings
from kernel.store_access import connect
from kernel.store_target import Kind, StoreTarget, as_role, local, resolve
from livefest.group_ready import wait_for_group
from livefest.logs import log_to_file
from livefest.supervisor import Child, ChildSpec, Supervisor
from livefest.up import UpOptions, announce_api, prepare_store
from livefest.up_simulated import SimulatedPlatforms, start_back_offices
from livefest.up_status import start_status_line

CHECK_EVERY_S = 0.5
CLICKHOUSE, API = "clickhouse", "api"


def run(settings: Settings, database: str, options: UpOptions) -> None:
    logs = settings.data_dir.resolve() / "logs"
    log_to_file(settings, logs / "up.log")
    click.echo(f"logs: {logs}/ (up.log, clickhouse.log, api.log, aggregator-N.log)")
    supervisor = Supervisor(logs, click.echo, options.restart_delay_s)
    run_file = RunFile(settings.data_dir.resolve() / "up.json", database)
    stop = threading.Event()
    platforms: SimulatedPlatforms | None = None
    workers = [f"aggregator-{n}" for n in range(1, options.workers + 1)]
    try:
        target = _clickhouse(settings, database, supervisor, run_file)
        prepare_store(_as(target, settings, Role.ADMIN), options.simulate)
        store = connect(_as(target, settings, Role.READER))  # the status line only reads
        env = _child_env(settings)
        api_url = _start_api(settings, {**env, **_as(target, settings, Role.READER).child_env()}, supervisor,
                             run_file)  # fmt: skip
        _start_workers(settings, workers, {**env, **_as(target, settings, Role.WRITER).child_env()}, supervisor,
                       run_file)  # fmt: skip
        _wait_for_group(settings, run_file)
        if options.simulate:
            platforms = start_back_offices(settings, options.festival)
            platforms.start_adapters()
            # The adapters run in this process: their metrics, as `livefest ingest` serves them.
            start_http_server(settings.ingest_metrics_port, addr=settings.ingest_metrics_host)
            click.echo(f"adapters' metrics on http://{settings.ingest_metrics_host}:{settings.ingest_metrics_port}"
                       "/metrics")  # fmt: skip
        start_status_line(store, settings, options.status_every_s, stop,
                          platforms.adapters_line if platforms else None)  # fmt: skip
        run_file.set(state="running")
        click.echo(f"running: API {api_url}, big screen {api_url}/screen, {len(workers)} aggregator worker(s), "
                   f"{target.describe()}; Ctrl-C stops everything")  # fmt: skip
        while True:
            supervisor.check()
            time.sleep(CHECK_EVERY_S)
    finally:
        stop.set()
        click.echo("stopping: adapters, aggregators, API, ClickHouse server")
        if platforms:
            platforms.stop_adapters()
        supervisor.stop(workers)
        supervisor.stop([API])
        if platforms:
            platforms.stop_back_offices()
        supervisor.stop([CLICKHOUSE])
        run_file.remove()


def _as(target: StoreTarget, settings: Settings, role: Role) -> StoreTarget:
    """The data directory's local server entered as `role`; an external server as its DSN's user."""
    return as_role(target, settings, role) if target.kind is Kind.LOCAL_SERVER else target


def _child_env(settings: Settings) -> dict[str, str]:
    """This process's environment for a child, less every ClickHouse credential: each child
    gets the one user of its role (least privilege: the API never sees the admin's password)."""
    secret = {"LIVEFEST_CLICKHOUSE_USER", "LIVEFEST_CLICKHOUSE_PASSWORD"} | {role.password_variable for role in Role}
    env = {name: value for name, value in os.environ.items() if name not in secret}
    # Faust retitles its worker with setproctitle when that is installed (mutmut brings it
    # into the dev environment), which by default overwrites the memory /proc/PID/environ
    # shows: SPT_NOENV keeps the environment an operator (or a test) inspects intact.
    return {**env, "LIVEFEST_DATA_DIR": str(settings.data_dir.resolve()), "SPT_NOENV": "1"}


def _clickhouse(settings: Settings, database: str, supervisor: Supervisor, run_file: "RunFile") -> StoreTarget:
    """The run's store: the external server, the data directory's running local server, or a new one."""
    if settings.clickhouse_dsn:
        return resolve(settings, database)
    running = find_running(settings.data_dir)
    if running is not None:
        click.echo(f"using the local ClickHouse server already running (pid {running.pid}) on {running.http_url}")
        return local(settings.data_dir, running, database)
    data_dir = settings.data_dir
    _say_users(settings)
    spec = ChildSpec(
        CLICKHOUSE, host_command(data_dir, settings.clickhouse_http_port, settings.clickhouse_tcp_port),
        dict(os.environ), ready=lambda child: _is_server(data_dir, child),
        on_start=lambda child: run_file.child(child, http=f"http://127.0.0.1:{settings.clickhouse_http_port}"),
    )  # fmt: skip
    supervisor.start(spec)
    server = find_running(data_dir)
    assert server is not None
    target = local(data_dir, server, database)
    click.echo(f"local ClickHouse server (pid {server.pid}): HTTP {server.http_url}, native TCP "
               f"{server.listen_host}:{server.tcp_port}, data {target.data_path}")  # fmt: skip
    return target


def _say_users(settings: Settings) -> None:
    """Generates the local passwords that are not set (the log says so) and tells who uses which user."""
    credentials.passwords(settings.data_dir, credentials.chosen_in(settings))
    click.echo(f"ClickHouse users: {Role.ADMIN.user} (migrations), {Role.WRITER.user} (aggregators), "
               f"{Role.READER.user} (API, reports, Grafana); passwords: the LIVEFEST_CLICKHOUSE_<ROLE>_PASSWORD "
               f"variables, else {ServerPaths(settings.data_dir).passwords}")  # fmt: skip


def _is_server(data_dir: Path, child: Child) -> bool:
    running: RunningServer | None = find_running(data_dir)
    return running is not None and running.pid == child.pid


def _start_api(settings: Settings, env: dict[str, str], supervisor: Supervisor, run_file: "RunFile") -> str:
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
    url = f"http://{host}:{settings.api_port}"
    supervisor.start(ChildSpec(
        API, _livefest("api"), env,
        ready=lambda _: httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
        on_start=lambda child: run_file.child(child, url=url),
    ))  # fmt: skip
    announce_api(url)
    return url


def _start_workers(
    settings: Settings, names: list[str], env: dict[str, str], supervisor: Supervisor, run_file: "RunFile"
) -> None:
    specs = []
    for n, name in enumerate(names):
        # Port 0 (tests): a free port per worker; otherwise consecutive ports from the setting.
        port = _free_port(avoid=_configured_ports(settings)) if settings.aggregator_web_port == 0 \
            else settings.aggregator_web_port + n
        metrics = f"http://127.0.0.1:{port}/metrics"
        specs.append(ChildSpec(
            name, _livefest("aggregator"), {**env, "LIVEFEST_AGGREGATOR_WEB_PORT": str(port)},
            ready=lambda _, url=metrics: httpx.get(url, timeout=2).status_code == 200,  # type: ignore[misc]
            on_start=lambda child, url=metrics: run_file.child(child, metrics=url),  # type: ignore[misc]
        ))  # fmt: skip
    supervisor.start(*specs)
    click.echo(f"{len(names)} aggregator worker(s) in consumer group {settings.consumer_group}")


def _wait_for_group(settings: Settings, run_file: "RunFile") -> None:
    urls = [str(info["metrics"]) for name, info in run_file.children().items() if name.startswith("aggregator-")]
    held = wait_for_group(urls, settings.topic_partitions)
    if held is None:
        click.secho(f"warning: the consumer group {settings.consumer_group} did not settle within 90 s; "
                    "starting anyway", fg="yellow")  # fmt: skip
        return
    click.echo(f"consumer group {settings.consumer_group} settled: partitions per worker {held}")


def _livefest(*args: str) -> list[str]:
    return [sys.executable, "-m", "livefest.cli", *args]


def _configured_ports(settings: Settings) -> set[int]:
    return {settings.api_port, settings.clickhouse_http_port, settings.clickhouse_tcp_port}


def _free_port(avoid: set[int]) -> int:
    # A port free now may still be one the settings name for a server not yet bound (the API
    # starts after the workers): never hand that one to a worker.
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in avoid:
            return port


class RunFile:
    """LIVEFEST_DATA_DIR/up.json: this run's processes (pid, ports) while `livefest up` runs."""

    def __init__(self, path: Path, database: str) -> None:
        self.path = path
        self.state: dict[str, object] = {"pid": os.getpid(), "database": database, "state": "starting",
                                         "children": {}}
        self._lock = threading.Lock()

    def child(self, child: Child, **ports: str) -> None:
        with self._lock:
            self.children()[child.name] = {"pid": child.pid, **ports}
            self._write()

    def children(self) -> dict[str, dict[str, object]]:
        children = self.state["children"]
        assert isinstance(children, dict)
        return children

    def set(self, **fields: str) -> None:
        with self._lock:
            self.state.update(fields)
            self._write()

    def _write(self) -> None:
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(self.state, indent=2), encoding="utf-8")
        partial.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
