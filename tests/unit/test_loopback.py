"""Loopback by default everywhere: every address a livefest process listens on defaults to
127.0.0.1 (compose sets 0.0.0.0 where another container must reach it: tests/deploy).
tests/integration/test_while_running.py checks what the running processes really bind."""

import ast
from pathlib import Path

from kernel.chserver.config import ServerConfig
from kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_listening_address_defaults_to_loopback(monkeypatch):
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"LIVEFEST_{name.upper()}", raising=False)
    settings = Settings()
    hosts = {name: getattr(settings, name) for name in Settings.model_fields if name.endswith("_host")}
    assert set(hosts) >= {"api_host", "aggregator_web_host", "simulator_host", "ingest_metrics_host"}
    assert set(hosts.values()) == {"127.0.0.1"}, hosts
    assert ServerConfig(http_port=1, tcp_port=2).listen_host == "127.0.0.1"


def test_every_metrics_server_is_given_its_address():
    # prometheus_client's start_http_server binds 0.0.0.0 unless told otherwise.
    for path in (ROOT / "livefest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "start_http_server":
                assert any(k.arg == "addr" for k in node.keywords), f"{path.name}:{node.lineno} binds every interface"
