"""Runs a real Prometheus (Debian's binary) on a private port and data directory."""

import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.pipeline import free_port, wait_until
from tests.support.promtool import PROMETHEUS_DIR, tool


class Prometheus:
    """The shipped rules and scrape config, with targets pointed at this machine's services.

    `alertmanager` (host:port) receives the alerts (none when not given); `alert_for`
    replaces every alert's `for:` so that a test sees one fire within seconds; `keys` gives
    the bearer key of a job that scrapes with one (its `credentials_file`, written here)."""

    def __init__(
        self, workdir: Path, targets: dict[str, list[str]], interval_s: float = 1.0,
        alertmanager: str | None = None, alert_for: str | None = None, keys: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        shipped = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
        shipped["global"].update(scrape_interval=f"{interval_s:g}s", evaluation_interval=f"{interval_s:g}s")
        shipped["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in shipped["rule_files"]]
        if alert_for is not None:
            shipped["rule_files"] = [str(path) for path in self._rules_with_for(alert_for)]
        if alertmanager is None:
            shipped.pop("alerting", None)
        else:
            shipped["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
        jobs = {job["job_name"]: job for job in shipped["scrape_configs"]}
        shipped["scrape_configs"] = [
            {**jobs[name], "static_configs": [{"targets": hosts}]} for name, hosts in targets.items()
        ]
        for job in shipped["scrape_configs"]:
            if "authorization" in job:
                key = workdir / f"{job['job_name']}.key"
                key.write_text((keys or {}).get(job["job_name"], "no-key-given"))
                job["authorization"] = {**job["authorization"], "credentials_file": str(key)}
        self.config = workdir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(shipped))
        self.log_path = workdir / "prometheus.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _rules_with_for(self, alert_for: str) -> list[Path]:
        """The shipped rule files, each alert's `for:` replaced (test-only copies)."""
        copies = []
        for path in sorted((PROMETHEUS_DIR / "rules").glob("*.yml")):
            rules = yaml.safe_load(path.read_text())
            for group in rules["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        rule["for"] = alert_for
            copy = self.workdir / f"test-{path.name}"
            copy.write_text(yaml.safe_dump(rules, allow_unicode=True))
            copies.append(copy)
        return copies

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts Prometheus evaluates now (pending and firing)."""
        return list(self.api("alerts")["alerts"])

    def start(self, timeout_s: float = 30) -> "Prometheus":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                tool("prometheus"),
                f"--config.file={self.config}",
                f"--storage.tsdb.path={self.workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
        )
        wait_until(self._ready, timeout_s, f"Prometheus at {self.url} (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"prometheus exited:\n{self.log_path.read_text(errors='replace')[-2000:]}")
        return httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = response.json()
        assert body.get("status") == "success", f"{path} {params}: {body}"
        return body["data"]

    def query(self, promql: str) -> list[dict[str, Any]]:
        data = self.api("query", query=promql)
        assert data["resultType"] == "vector"
        return list(data["result"])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
