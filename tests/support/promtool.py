"""Finds Prometheus' real tools (Debian package `prometheus`); a missing tool fails the test."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
INSTALL_HINT = (
    "install Debian's prometheus package: `apt-get update && apt-get install -y prometheus` (make install does)"
)


def tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: {INSTALL_HINT}", pytrace=False)
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], capture_output=True, text=True, cwd=PROMETHEUS_DIR, timeout=60)


def promtool_stdin(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """promtool reading `text` on its standard input (`promtool check metrics`)."""
    return subprocess.run([tool("promtool"), *args], input=text, capture_output=True, text=True, timeout=60)
