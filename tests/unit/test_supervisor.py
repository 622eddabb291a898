"""`livefest up`'s supervisor (livefest/supervisor.py) with tiny Python children: restarts
with a doubling delay and says so, stops in order, shows warnings, fails clearly when a
child never becomes ready; and children die with a supervisor that is killed."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.lifeline import SUPERVISOR_PID
from livefest.supervisor import ChildFailed, ChildSpec, Supervisor
from tests.support.pipeline import wait_until

SLEEPER = "import time\nwhile True: time.sleep(0.1)"
TALKER = "print('INFO starting', flush=True)\nprint('WARNING disk nearly full', flush=True)\n" + SLEEPER
STUBBORN = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n" + \
    "while True: time.sleep(0.1)"


def spec(name: str, code: str, **kwargs) -> ChildSpec:  # type: ignore[no-untyped-def]
    return ChildSpec(name, [sys.executable, "-c", code], dict(os.environ), **kwargs)


@pytest.fixture
def said() -> list[str]:
    return []


@pytest.fixture
def supervisor(tmp_path: Path, said: list[str]):  # type: ignore[no-untyped-def]
    running = Supervisor(tmp_path / "logs", said.append, first_delay_s=0.2)
    yield running
    running.stop(list(running.children), timeout_s=2)


def test_a_crashed_child_is_restarted_after_a_doubling_delay_and_the_terminal_says_so(supervisor, said):
    (child,) = supervisor.start(spec("worker", "import sys; sys.exit(3)"))

    def restarts() -> int:
        supervisor.check()
        return sum("restarted" in line for line in said)

    wait_until(lambda: restarts() >= 3, 30, "three restarts")
    crashes = [line for line in said if "exited unexpectedly" in line]
    assert crashes[0].startswith("worker: exited unexpectedly (exit code 3); restarting in 0.2 s (crash 1 in a row")
    assert "restarting in 0.4 s (crash 2 in a row" in crashes[1]
    assert "restarting in 0.8 s (crash 3 in a row" in crashes[2]
    assert str(child.log) in crashes[0]


def test_warnings_reach_the_terminal_and_everything_the_log(supervisor, said):
    (child,) = supervisor.start(spec("api", TALKER))
    wait_until(lambda: "WARNING disk nearly full" in child.log.read_text(), 10, "the child's output in its log")
    assert "INFO starting" in child.log.read_text()
    wait_until(lambda: "api | WARNING disk nearly full" in said, 10, "the warning on the terminal")
    assert not any("INFO starting" in line for line in said)


def test_stop_terminates_and_kills_what_ignores_sigterm(supervisor, said):
    calm, stubborn = supervisor.start(spec("calm", SLEEPER), spec("stubborn", STUBBORN,
                                      ready=lambda child: "ready" in child.log.read_text()))
    supervisor.stop(["calm", "stubborn"], timeout_s=2)
    assert calm.process.returncode == -signal.SIGTERM
    assert stubborn.process.returncode == -signal.SIGKILL
    assert "stubborn: still running after 2 s, killing it" in said
    supervisor.check()
    assert not any("exited unexpectedly" in line for line in said), "a stop is not a crash"


def test_a_child_that_exits_before_it_is_ready_is_a_clear_error(supervisor):
    with pytest.raises(ChildFailed, match=r"(?s)clickhouse did not start \(exit code 1\).*port in use"):
        supervisor.start(spec("clickhouse", "import sys; print('port in use', flush=True); sys.exit(1)",
                              ready=lambda child: False))


def test_children_die_with_a_killed_supervisor(tmp_path: Path):
    # A stand-in for `livefest up`: starts a child that follows it, prints the child's pid.
    following = tmp_path / "following"
    parent = (
        "import os, subprocess, sys, time\n"
        f"env = {{**os.environ, {SUPERVISOR_PID!r}: str(os.getpid())}}\n"
        "code = ('from kernel.lifeline import follow_supervisor; follow_supervisor(); import os, pathlib, time; '\n"
        "        'pathlib.Path(os.environ[\"FOLLOWING\"]).touch(); time.sleep(60)')\n"
        "child = subprocess.Popen([sys.executable, '-c', code], env=env, start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(root), "FOLLOWING": str(following)})
    assert process.stdout is not None
    child = int(process.stdout.readline())
    wait_until(following.exists, 10, "the child to follow its supervisor")
    process.kill()
    process.wait()
    wait_until(lambda: not _alive(child), 10, "the child to die with its supervisor")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
