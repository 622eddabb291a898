"""The local ClickHouse server recipe (kernel/chserver), end to end: if a chdb upgrade or
anything else breaks it, this fails first and says which step.

`livefest clickhouse start` opens real HTTP and TCP listeners over the data directory;
other processes create, insert and select through them; a clean stop, a restart and a
SIGKILL keep the acknowledged data; with no server running, the embedded engine opens
the same data; while it runs, the embedded engine refuses with a message that says why. The roles of
kernel/clickhouse_roles.py hold: the reader cannot write or drop, the writer cannot drop
or alter, and nobody but the host's own session logs in without a password.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kernel.chserver.control import find_running
from tests.support.pipeline import LIVEFEST, free_port, wait_until

CLIENT = """
import sys
import clickhouse_connect
client = clickhouse_connect.get_client(dsn=sys.argv[1])
for statement in sys.argv[2:]:
    result = client.query(statement) if statement.lstrip().upper().startswith("SELECT") else client.command(statement)
    if hasattr(result, "result_rows"):
        print(result.result_rows)
"""

SCHEMA = [
    "CREATE DATABASE IF NOT EXISTS recipe",
    "CREATE TABLE recipe.raw (id String, at DateTime64(6, 'UTC'), county LowCardinality(String), v Int64)"
    " ENGINE = MergeTree ORDER BY (id, at)",
    "CREATE TABLE recipe.latest (id String, v AggregateFunction(argMax, Int64, DateTime64(6, 'UTC')))"
    " ENGINE = AggregatingMergeTree ORDER BY id",
    "CREATE MATERIALIZED VIEW recipe.latest_mv TO recipe.latest AS"
    " SELECT id, argMaxState(v, at) AS v FROM recipe.raw GROUP BY id",
]
INSERT = "INSERT INTO recipe.raw VALUES ('a', '2021-10-23 02:00:0{v}', 'yingde', {v}), ('b', now64(6), 'city', 7)"
READ = "SELECT id, argMaxMerge(v) FROM recipe.latest GROUP BY id ORDER BY id"


ADMIN_PASSWORD = "admin-pw-of-this-test"


class Server:
    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"
        self.http, self.tcp = free_port(), free_port()
        self.env = {**os.environ, "LIVEFEST_DATA_DIR": str(self.data_dir),
                    "LIVEFEST_CLICKHOUSE_HTTP_PORT": str(self.http), "LIVEFEST_CLICKHOUSE_TCP_PORT": str(self.tcp)}
        self.env.pop("LIVEFEST_CLICKHOUSE", None)
        self.url = f"http://127.0.0.1:{self.http}"
        # The recipe runs DDL: as the admin, whose password this test chooses.
        self.env["LIVEFEST_CLICKHOUSE_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        self.admin = f"http://livefest_admin:{ADMIN_PASSWORD}@127.0.0.1:{self.http}"

    def livefest(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(LIVEFEST), *args], env=self.env, capture_output=True, text=True, timeout=180)

    def sql(self, dsn: str, *statements: str) -> str:
        done = subprocess.run([sys.executable, "-c", CLIENT, dsn, *statements], env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"client on {dsn} failed:\n{done.stderr[-2000:]}"
        return done.stdout.strip()


@pytest.fixture
def server(tmp_path: Path):
    server = Server(tmp_path)
    yield server
    server.livefest("clickhouse", "stop")


def test_start_write_from_other_processes_stop_restart_kill_and_fall_back(server: Server):
    started = server.livefest("clickhouse", "start")
    assert started.returncode == 0, f"the local ClickHouse server did not start:\n{started.stdout}{started.stderr}"
    assert server.url in started.stdout and str(server.data_dir / "clickhouse") in started.stdout
    assert server.livefest("clickhouse", "status").returncode == 0
    with socket.create_connection(("127.0.0.1", server.tcp), timeout=5):
        pass  # the native protocol listens too

    # Several client processes at once, over HTTP: DDL, a materialized view, inserts, reads.
    server.sql(server.admin, *SCHEMA)
    writers = [subprocess.Popen([sys.executable, "-c", CLIENT, server.admin, INSERT.format(v=v)], env=server.env)
               for v in (1, 2, 3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    assert server.sql(server.admin, "SELECT count() FROM recipe.raw") == "[(6,)]"
    assert server.sql(server.admin, READ) == "[('a', 3), ('b', 7)]"

    again = server.livefest("clickhouse", "start")
    assert again.returncode == 0 and "running" in again.stdout  # idempotent: the same server

    stopped_at = time.monotonic()
    stop = server.livefest("clickhouse", "stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout, stop.stdout + stop.stderr
    assert time.monotonic() - stopped_at < 20, "a clean stop should not wait for the forced-exit path"
    assert server.livefest("clickhouse", "status").returncode == 1
    assert "clickhouse-server: stopped" in (server.data_dir / "clickhouse-server" / "server.log").read_text()

    # No server: the embedded engine opens the same data.
    embedded = f"chdb://{server.data_dir / 'clickhouse'}"
    assert server.sql(embedded, "SELECT count() FROM recipe.raw") == "[(6,)]"

    # Restarted: the data is still there; SIGKILLed right after an acknowledged insert: still there.
    assert server.livefest("clickhouse", "start").returncode == 0
    assert server.sql(server.admin, "SELECT count() FROM recipe.raw") == "[(6,)]"
    server.sql(server.admin, INSERT.format(v=4))
    running = find_running(server.data_dir)
    assert running is not None
    os.kill(running.pid, signal.SIGKILL)
    wait_until(lambda: find_running(server.data_dir) is None, 30, "the killed server to be gone")
    assert server.livefest("clickhouse", "start").returncode == 0
    assert server.sql(server.admin, "SELECT count() FROM recipe.raw") == "[(8,)]"

    # While it runs, the embedded engine belongs to it: a clear refusal, not a traceback.
    refused = subprocess.run([str(LIVEFEST), "migrate"], env={**server.env, "LIVEFEST_CLICKHOUSE": embedded},
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "One process at a time" in refused.stdout + refused.stderr


def test_a_taken_port_is_a_clear_error(server: Server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server.http))
        taken.listen()
        failed = server.livefest("clickhouse", "start")
    assert failed.returncode != 0
    assert "exited with code 1" in failed.stderr and "LIVEFEST_CLICKHOUSE_HTTP_PORT" in failed.stderr, failed.stderr
