"""Child processes of `livefest up` die with it.

`livefest up` supervises its children (ClickHouse server, API, aggregator workers) and
stops them in order. If `up` itself is killed (SIGKILL, the OOM killer), nobody is left
to stop them: each child asks the kernel to SIGKILL it when its parent dies, which is
exactly a crash of the machine for them (acknowledged data is in ClickHouse; offsets
are committed only after writes), and no orphan keeps ports or the data directory.
"""

import ctypes
import os
import signal
import sys

SUPERVISOR_PID = "LIVEFEST_SUPERVISOR_PID"  # set by the supervisor in each child's environment
_PR_SET_PDEATHSIG = 1


def follow_supervisor() -> None:
    """Call first thing in a process `livefest up` may have started; a no-op otherwise."""
    expected = os.environ.pop(SUPERVISOR_PID, None)  # not inherited by grandchildren
    if not expected or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(expected):  # the supervisor died before the line above
        os._exit(1)
