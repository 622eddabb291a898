"""Progress bars go to stderr on a terminal only (livefest/progress.py)."""

import io
import sys

import pytest

from livefest import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch):
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    with progress.bar("reading", 10) as bar:
        bar.update(10)
    with progress.counted("publishing", iter(range(3))) as items:
        assert list(items) == [0, 1, 2]
    assert stderr.getvalue() == ""


def test_a_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch):
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    with progress.bar("reading livefest.snapshots.dlq", 4) as bar:
        bar.update(4)
    with progress.counted("publishing", iter(range(3))) as items:
        assert list(items) == [0, 1, 2]
    shown = stderr.getvalue()
    assert "reading livefest.snapshots.dlq" in shown and "4/4" in shown and "publishing" in shown
