"""Runs a real Alertmanager (Debian's prometheus-alertmanager) on a private port and data
directory, with the shipped configuration rendered the way the compose service renders it."""

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.pipeline import free_port, wait_until
from tests.support.promtool import ROOT, tool

ALERTMANAGER_DIR = ROOT / "deploy" / "alertmanager"
SHIPPED = ALERTMANAGER_DIR / "alertmanager.yml"
ENTRYPOINT = ALERTMANAGER_DIR / "entrypoint.sh"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
# Stand-ins for the deployment's environment (docker-compose.yml fills the real ones in).
EXAMPLE_VALUES = {
    "WECOM_CORP_ID": "ww0123456789abcdef",
    "WECOM_AGENT_ID": "1000002",
    "WECOM_TO_PARTY": "2",
    "WECOM_API_SECRET": "example-secret",
    "LIVEFEST_ALERT_WEBHOOK_URL": "http://control-room.example:9095/alerts",
}


def placeholders(text: str | None = None) -> set[str]:
    return set(PLACEHOLDER.findall(SHIPPED.read_text() if text is None else text))


def render(workdir: Path, values: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The compose service's own entrypoint.sh, rendering the shipped file into `workdir`."""
    env = {
        "PATH": os.environ["PATH"],
        "ALERTMANAGER_CONFIG": str(SHIPPED),
        "ALERTMANAGER_RENDERED": str(workdir / "alertmanager.rendered.yml"),
        **(EXAMPLE_VALUES if values is None else values),
    }
    return subprocess.run(["sh", str(ENTRYPOINT), "--render-only"], env=env, capture_output=True, text=True,
                          timeout=30)


def rendered(workdir: Path, values: dict[str, str] | None = None) -> dict[str, Any]:
    """The shipped configuration as the container runs it, with its templates found here."""
    result = render(workdir, {**EXAMPLE_VALUES, **(values or {})})
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(Path(result.stdout.strip()).read_text())
    config["templates"] = [str(ALERTMANAGER_DIR / "templates" / "*.tmpl")]
    return config


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("amtool"), *args], capture_output=True, text=True, timeout=60)


class Alertmanager:
    """One Alertmanager with `config`; clustering off so parallel tests share no port."""

    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "alertmanager.yml"
        self.config.write_text(yaml.safe_dump(config, allow_unicode=True))
        self.log_path = workdir / "alertmanager.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 30) -> "Alertmanager":
        self.process = subprocess.Popen(
            [
                tool("prometheus-alertmanager"),
                f"--config.file={self.config}",
                f"--storage.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT, cwd=self.workdir,
        )
        wait_until(self._ready, timeout_s, f"Alertmanager at {self.url} (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"alertmanager exited:\n{self.log_path.read_text(errors='replace')[-2000:]}")
        return httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        """GET /api/v2/alerts: the alerts it holds (active, silenced or inhibited)."""
        response = httpx.get(f"{self.url}/api/v2/alerts", params=params, timeout=10)
        response.raise_for_status()
        return list(response.json())

    def post(self, alerts: list[dict[str, Any]]) -> None:
        httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=10).raise_for_status()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
