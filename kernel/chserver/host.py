"""The local ClickHouse server process: `python -m kernel.chserver.host --data-dir D ...`.

It runs the full clickhouse-local program of the chdb wheel (`chdb._chdb.query`, not
`chdb.connect`, whose embedded server never opens listeners) with one long query that
opens the HTTP and TCP listeners and then sleeps; the listeners live as long as that
query runs. The output format argument must be TabSeparated: it becomes the server's
default output format, and clickhouse-connect cannot read a CSV server version answer.

Stopping: while the query runs, the main thread is inside C++ with the GIL released, so
Python signal handlers never run. SIGTERM and SIGINT are therefore blocked in every
thread (before chdb starts any) and a helper thread `sigwait`s for them, then ends the
keep-alive query with a KILL QUERY over HTTP POST: listeners close, data is flushed and
the process exits 0. Ready means: the HTTP listener answers and shows *our* keep-alive
query (a port taken by another server must not look like success); the host then
writes its state file (paths.ServerPaths.state), which other processes use to find it.

Users: config.xml points at users.xml, written here at every start from the local
passwords (kernel/chserver/credentials.py, kernel/chserver/users.py). The host's own HTTP
requests (readiness, the stopping KILL QUERY) log in as livefest_admin; its in-process
session is `default` (clickhouse-local's own choice), which may only open the listeners and
holds `default`'s one allowed session, so no client can log in as `default` (users.py).
"""

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from pydantic import SecretStr

from kernel.chserver import credentials
from kernel.chserver.config import ClusterMembership, ServerConfig, write
from kernel.chserver.paths import ServerPaths
from kernel.chserver.users import local_users
from kernel.clickhouse_roles import Role
from kernel.lifeline import follow_supervisor
from kernel.private_files import restrict_umask, warn_if_open
from kernel.settings import get_settings

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
READY_TIMEOUT_S = 120.0


def keepalive_sql(token: str) -> str:
    return (
        "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; "
        f"SELECT sleepEachRow(0.5) /* keepalive marker {token} */ FROM numbers(1000000000) "
        "SETTINGS max_block_size=1, max_execution_time=0 FORMAT Null"
    )


def kill_sql(token: str) -> str:
    # Narrow on purpose: a broad KILL QUERY would also end the server.
    return f"KILL QUERY WHERE query LIKE '%keepalive marker {token}%' AND query NOT LIKE '%KILL%'"


def is_ours_sql(token: str) -> str:
    return (
        f"SELECT count() FROM system.processes WHERE query LIKE '%keepalive marker {token}%'"
        " AND query NOT LIKE '%system.processes%'"
    )


def post(url: str, sql: str, password: SecretStr, timeout_s: float = 5.0) -> str:
    """`sql` over HTTP as livefest_admin (headers, so the password is in no URL or log)."""
    headers = {"X-ClickHouse-User": Role.ADMIN.user, "X-ClickHouse-Key": password.get_secret_value()}
    request = urllib.request.Request(url, data=sql.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return str(response.read().decode())


class Host:
    def __init__(self, paths: ServerPaths, config: ServerConfig, admin_password: SecretStr) -> None:
        self.paths = paths
        self.config = config
        self.admin_password = admin_password
        self.token = uuid.uuid4().hex
        self.url = f"http://{config.listen_host}:{config.http_port}/"
        self.stopping = threading.Event()

    def serve(self) -> int:
        """Blocks until a stop signal (exit 0) or a failure (exit 1)."""
        threading.Thread(target=self._stop_on_signal, name="stop-on-signal", daemon=True).start()
        threading.Thread(target=self._announce_when_ready, name="announce", daemon=True).start()
        from chdb import _chdb  # imported after the signals are blocked: its threads inherit the mask

        _chdb.query(keepalive_sql(self.token), "TabSeparated", path=str(self.paths.data))
        self._forget_state()
        if self.stopping.is_set():
            print("clickhouse-server: stopped", file=sys.stderr, flush=True)
            return 0
        print(
            f"clickhouse-server: the server ended by itself (see the error above). If a port is in use, "
            f"stop what listens on 127.0.0.1:{self.config.http_port} / :{self.config.tcp_port} or set "
            "LIVEFEST_CLICKHOUSE_HTTP_PORT / LIVEFEST_CLICKHOUSE_TCP_PORT; if the data directory is locked, "
            f"another process has {self.paths.data} open (a `livefest up` with LIVEFEST_CLICKHOUSE=chdb://…?).",
            file=sys.stderr,
            flush=True,
        )
        return 1

    def _stop_on_signal(self) -> None:
        signal.sigwait(STOP_SIGNALS)
        self.stopping.set()
        for _ in range(20):
            try:
                post(self.url, kill_sql(self.token), self.admin_password)
                return
            except (OSError, urllib.error.URLError):  # not listening yet: try again shortly
                time.sleep(0.5)
        os._exit(1)  # never came up; nothing to flush

    def _announce_when_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not self.stopping.is_set():
            try:
                if post(self.url, is_ours_sql(self.token), self.admin_password, timeout_s=2).strip() == "1":
                    self._write_state()
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "listen_host": self.config.listen_host,
            "http_port": self.config.http_port,
            "tcp_port": self.config.tcp_port,
            "data": str(self.paths.data),
            "token": self.token,
        }
        partial = self.paths.state.with_suffix(".tmp")
        partial.write_text(json.dumps(state), encoding="utf-8")
        partial.replace(self.paths.state)

    def _forget_state(self) -> None:
        try:
            if json.loads(self.paths.state.read_text(encoding="utf-8")).get("token") == self.token:
                self.paths.state.unlink()
        except (OSError, ValueError):
            pass


def main(argv: list[str] | None = None) -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    follow_supervisor()
    # The server runs in this process: its parts, logs and users.xml (password hashes) 0600.
    restrict_umask()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--tcp-port", type=int, required=True)
    parser.add_argument("--cluster", help="as a node of this <remote_servers> cluster (needs --shards, --macros)")
    parser.add_argument("--shards", nargs="+", default=[], metavar="HOST:TCP[,HOST:TCP]",
                        help="the cluster's shards in order, each its replicas' native addresses")
    parser.add_argument("--macros", nargs=2, metavar=("SHARD", "REPLICA"), help="this node's {shard} and {replica}")
    args = parser.parse_args(argv)
    paths = ServerPaths(args.data_dir)
    warn_if_open(args.data_dir, logging.getLogger("clickhouse-server"))
    settings = get_settings()
    config = ServerConfig(http_port=args.http_port, tcp_port=args.tcp_port,
                          cluster=_membership(args, settings.clickhouse_cluster_secret))  # fmt: skip
    paths.data.mkdir(parents=True, exist_ok=True)
    passwords = credentials.passwords(args.data_dir, credentials.chosen_in(settings))
    write(config, paths.config)
    paths.users.write_text(local_users(passwords), encoding="utf-8")
    os.chdir(paths.home)  # clickhouse-local reads ./config.xml
    return Host(paths, config, passwords[Role.ADMIN]).serve()


def _membership(args: argparse.Namespace, secret: SecretStr | None) -> ClusterMembership | None:
    if not args.cluster:
        return None
    if not (args.shards and args.macros):
        raise SystemExit("--cluster needs --shards and --macros")
    shards = tuple(tuple(shard.split(",")) for shard in args.shards)
    return ClusterMembership(args.cluster, shards, shard=args.macros[0], replica=args.macros[1],
                             secret=secret.get_secret_value() if secret is not None else None)


if __name__ == "__main__":
    sys.exit(main())
