"""An alert's whole trip, for real: a running component is stopped → the shipped rule fires
in a real Prometheus → a real Alertmanager with the shipped routes holds it → the page
reaches the control room's webhook and WeCom (a local stand-in for both) → the component
comes back → the alert resolves everywhere, and the resolution is notified too.

Test-only timing, nothing else: evaluation every second, every alert's `for:` 3 s, and
Alertmanager's group_wait / group_interval of a second or two."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.alertmanager import Alertmanager, rendered
from tests.support.notifications import WEBHOOK_PATH, WECOM_PREFIX, Inbox, notification_sink
from tests.support.pipeline import Pipeline, wait_until
from tests.support.prometheus import Prometheus

ALERT = "LivefestTargetDown"


def alertmanager_config(workdir: Path, sink: str) -> dict[str, Any]:
    config = rendered(workdir, {"LIVEFEST_ALERT_WEBHOOK_URL": sink + WEBHOOK_PATH})
    config["global"]["wechat_api_url"] = sink + WECOM_PREFIX
    for route in [config["route"], *config["route"]["routes"]]:
        route.update(group_wait="1s", group_interval="2s")
    return config


@pytest.fixture
def alerting(make_pipeline, tmp_path: Path) -> Iterator[tuple[Pipeline, Prometheus, Alertmanager, Inbox]]:
    pipeline = make_pipeline().start()
    with notification_sink() as (sink, inbox):
        (tmp_path / "am").mkdir()
        (tmp_path / "prom").mkdir()
        alertmanager = Alertmanager(tmp_path / "am", alertmanager_config(tmp_path / "am", sink)).start()
        prometheus = Prometheus(
            tmp_path / "prom", {"api": [f"127.0.0.1:{pipeline.port}"]},
            alertmanager=f"127.0.0.1:{alertmanager.port}", alert_for="3s",
        )
        try:
            prometheus.start()
            yield pipeline, prometheus, alertmanager, inbox
        finally:
            prometheus.stop()
            alertmanager.stop()


def prometheus_state(prometheus: Prometheus) -> str | None:
    states = {a["state"] for a in prometheus.alerts() if a["labels"]["alertname"] == ALERT}
    return "firing" if "firing" in states else states.pop() if states else None


def held(alertmanager: Alertmanager) -> list[dict[str, Any]]:
    return [a for a in alertmanager.alerts(active="true") if a["labels"]["alertname"] == ALERT]


def notified(payloads: list[dict[str, Any]], status: str) -> list[dict[str, Any]]:
    return [p for p in payloads if p["status"] == status and p["commonLabels"].get("alertname") == ALERT]


def test_a_stopped_component_pages_through_alertmanager_and_resolves(alerting):
    pipeline, prometheus, alertmanager, inbox = alerting
    wait_until(lambda: prometheus.query('up{job="api"} == 1'), 30, "Prometheus to scrape the pipeline")
    assert prometheus_state(prometheus) is None

    pipeline.stop()  # the API and its /metrics go away with the process
    wait_until(lambda: prometheus_state(prometheus) == "firing", 30, f"{ALERT} to fire in Prometheus")

    (alert,) = wait_until(lambda: held(alertmanager), 30, f"Alertmanager to hold {ALERT}")
    assert alert["status"]["state"] == "active"
    assert {k: alert["labels"][k] for k in ("severity", "job", "system")} == {
        "severity": "page", "job": "api", "system": "livefest"}
    assert alert["annotations"]["runbook_url"] == f"deploy/runbooks/{ALERT}.md"
    assert [r["name"] for r in alert["receivers"]] == ["on-call"]

    (page,) = wait_until(lambda: notified(inbox.webhook(), "firing")[:1], 30, "the page at the webhook")
    assert page["receiver"] == "on-call" and page["commonLabels"]["instance"] == f"127.0.0.1:{pipeline.port}"
    wecom = wait_until(lambda: [m for m in inbox.wecom() if ALERT in m["text"]["content"]], 30, "the page on WeCom")
    assert wecom[0]["toparty"] == "2" and "runbook: deploy/runbooks/" in wecom[0]["text"]["content"]

    pipeline.start()
    wait_until(lambda: prometheus_state(prometheus) is None, 30, f"{ALERT} to resolve in Prometheus")
    wait_until(lambda: not held(alertmanager), 30, f"Alertmanager to let go of {ALERT}")
    wait_until(lambda: notified(inbox.webhook(), "resolved"), 30, "the resolution at the webhook")
