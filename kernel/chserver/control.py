"""Start, find and stop the local ClickHouse server of a data directory (from other processes).

`find_running` is how every command discovers the server: the state file the host
wrote once it answered, a live pid, and `/ping`. `start` launches a detached host
(`livefest clickhouse start`); `livefest up` launches it as a supervised child with
`host_command` instead. Both wait with `wait_ready`.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kernel.chserver.config import ClusterMembership
from kernel.chserver.paths import ServerPaths


class ServerFailed(RuntimeError):
    """The local server did not come up (or not in time); the message says why and where to look."""


@dataclass(frozen=True)
class RunningServer:
    pid: int
    listen_host: str
    http_port: int
    tcp_port: int

    @property
    def http_url(self) -> str:
        return f"http://{self.listen_host}:{self.http_port}"


def host_command(data_dir: Path, http_port: int, tcp_port: int,
                 cluster: ClusterMembership | None = None) -> list[str]:
    """The argv of a host process for `data_dir` (run it with any working directory), as a
    node of `cluster` when given."""
    argv = [
        sys.executable, "-m", "kernel.chserver.host",
        "--data-dir", str(data_dir.resolve()), "--http-port", str(http_port), "--tcp-port", str(tcp_port),
    ]  # fmt: skip
    if cluster is not None:
        argv += ["--cluster", cluster.name, "--shards", *(",".join(s) for s in cluster.shards),
                 "--macros", cluster.shard, cluster.replica]  # fmt: skip
    return argv


def find_running(data_dir: Path, timeout_s: float = 2.0) -> RunningServer | None:
    """The server this data directory's host announced, if its process lives and answers."""
    try:
        state = json.loads(ServerPaths(data_dir).state.read_text(encoding="utf-8"))
        server = RunningServer(int(state["pid"]), state["listen_host"], int(state["http_port"]),
                               int(state["tcp_port"]))  # fmt: skip
    except (OSError, ValueError, KeyError):
        return None
    if not _alive(server.pid) or not ping(server.http_url, timeout_s):
        return None
    return server


def ping(url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=timeout_s) as response:
            return bool(response.read().strip() == b"Ok.")
    except (OSError, urllib.error.URLError):
        return False


def start(data_dir: Path, http_port: int, tcp_port: int, timeout_s: float = 120.0) -> RunningServer:
    """Start a detached host (it outlives this process) unless one already runs; wait until it answers."""
    running = find_running(data_dir)
    if running is not None:
        return running
    paths = ServerPaths(data_dir)
    paths.home.mkdir(parents=True, exist_ok=True)
    with paths.log.open("ab") as log:
        # A session of its own: Ctrl-C in the starting terminal must not reach it.
        process = subprocess.Popen(host_command(data_dir, http_port, tcp_port), stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    return wait_ready(data_dir, process, timeout_s)


def wait_ready(data_dir: Path, process: subprocess.Popen[bytes], timeout_s: float = 120.0) -> RunningServer:
    """Wait until the host `process` announced itself and answers; ServerFailed if it exits first."""
    paths = ServerPaths(data_dir)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        running = find_running(data_dir)
        if running is not None and running.pid == process.pid:
            return running
        if process.poll() is not None:
            raise ServerFailed(
                f"the local ClickHouse server for {paths.data} exited with code {process.returncode}; "
                f"last lines of {paths.log}:\n{tail(paths.log)}"
            )
        time.sleep(0.1)
    raise ServerFailed(f"the local ClickHouse server for {paths.data} did not answer within {timeout_s:.0f} s; "
                       f"see {paths.log}")  # fmt: skip


def stop(data_dir: Path, timeout_s: float = 30.0) -> int | None:
    """SIGTERM the running host and wait for it to exit (SIGKILL after `timeout_s`); its pid, or None."""
    running = find_running(data_dir)
    if running is None:
        return None
    os.kill(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _alive(running.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(running.pid):
        os.kill(running.pid, signal.SIGKILL)
    return running.pid


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child not yet reaped) is not a running server.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
