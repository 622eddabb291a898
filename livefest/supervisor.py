"""A small supervisor for `livefest up`'s child processes.

Each child runs in a session of its own (Ctrl-C in the terminal reaches `up` only, which
stops the children in order) and dies with `up` if `up` is killed (kernel/lifeline.py).
Its output goes to `<logs>/<name>.log`; lines at WARNING or above are also shown on the
terminal, prefixed with the child's name. A child that exits while nobody asked it to
is restarted after a delay that doubles with each crash in a row (up to a minute) and
starts again at the first delay once the child has stayed up for a minute; every
crash and restart is said on the terminal. `check()` must run on the thread that
started the children (the kernel ties "dies with its parent" to that thread).
"""

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kernel.lifeline import SUPERVISOR_PID

SHOWN = re.compile(r"\b(WARNING|WARN|ERROR|CRITICAL|FATAL)\b")
STABLE_AFTER_S = 60.0
MAX_DELAY_S = 60.0


class ChildFailed(RuntimeError):
    """A child did not start (exited or never became ready); the message holds its last log lines."""


@dataclass
class ChildSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready: Callable[["Child"], bool] | None = None  # polled after the first start
    ready_timeout_s: float = 120.0
    on_start: Callable[["Child"], None] | None = None  # after each (re)start


@dataclass
class Child:
    spec: ChildSpec
    log: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    crashes_in_a_row: int = 0
    restart_at: float | None = None
    stopping: bool = False
    pump: threading.Thread | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class Supervisor:
    def __init__(self, logs: Path, echo: Callable[[str], None], first_delay_s: float = 1.0) -> None:
        self.logs = logs
        self.echo = echo
        self.first_delay_s = first_delay_s
        self.children: dict[str, Child] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, *specs: ChildSpec) -> list[Child]:
        """Start children side by side and wait until each is ready; ChildFailed if one exits
        or times out first."""
        started = []
        for spec in specs:
            child = Child(spec, self.logs / f"{spec.name}.log")
            self.children[spec.name] = child
            self._launch(child)
            started.append(child)
        for child in started:
            self._wait_ready(child)
        return started

    def check(self) -> None:
        """Notice children that exited on their own and restart them when their delay is over."""
        now = time.monotonic()
        for child in self.children.values():
            if child.stopping or child.process is None:
                continue
            if child.restart_at is None and child.process.poll() is not None:
                self._crashed(child, now)
            elif child.restart_at is not None and now >= child.restart_at:
                child.restart_at = None
                self._launch(child)
                self.echo(f"{child.name}: restarted (pid {child.pid})")

    def stop(self, names: list[str], timeout_s: float = 30.0) -> None:
        """SIGTERM these children together, wait for each (SIGKILL after `timeout_s`)."""
        stopping = [self.children[n] for n in names if n in self.children]
        for child in stopping:
            child.stopping = True
            if child.process and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in stopping:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.echo(f"{child.name}: still running after {timeout_s:.0f} s, killing it")
                child.process.kill()
                child.process.wait()
            if child.pump:
                child.pump.join(timeout=5)

    def _crashed(self, child: Child, now: float) -> None:
        assert child.process is not None
        if now - child.started_at >= STABLE_AFTER_S:
            child.crashes_in_a_row = 0
        child.crashes_in_a_row += 1
        longest = max(MAX_DELAY_S, self.first_delay_s)
        delay = min(longest, self.first_delay_s * 2 ** (child.crashes_in_a_row - 1))
        child.restart_at = now + delay
        self.echo(
            f"{child.name}: exited unexpectedly ({exit_reason(child.process.returncode)}); "
            f"restarting in {delay:g} s (crash {child.crashes_in_a_row} in a row; log {child.log})"
        )

    def _launch(self, child: Child) -> None:
        env = {**child.spec.env, SUPERVISOR_PID: str(os.getpid())}
        child.process = subprocess.Popen(
            child.spec.argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        child.started_at = time.monotonic()
        child.pump = threading.Thread(target=self._pump, args=(child, child.process), name=f"log-{child.name}",
                                      daemon=True)  # fmt: skip
        child.pump.start()
        if child.spec.on_start:
            child.spec.on_start(child)

    def _wait_ready(self, child: Child) -> None:
        deadline = time.monotonic() + child.spec.ready_timeout_s
        assert child.process is not None
        while child.spec.ready is not None and not _ready(child.spec.ready, child):
            if child.process.poll() is not None or time.monotonic() > deadline:
                if child.process.poll() is None:
                    child.process.kill()
                raise ChildFailed(f"{child.name} did not start ({exit_reason(child.process.poll())}); "
                                  f"last lines of {child.log}:\n{tail(child.log)}")  # fmt: skip
            time.sleep(0.1)

    def _pump(self, child: Child, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        with child.log.open("ab") as log:
            for raw in process.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", errors="replace").rstrip()
                if SHOWN.search(line):
                    self.echo(f"{child.name} | {line}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def exit_reason(code: int | None) -> str:
    if code is None:
        return "still running, not ready in time"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _ready(probe: Callable[[Child], bool], child: Child) -> bool:
    try:
        return probe(child)
    except Exception:  # a probe that fails is "not yet"
        return False
