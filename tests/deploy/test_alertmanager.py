"""The shipped Alertmanager configuration, as the compose service renders it: valid for
amtool, routes by severity, and inhibition that a real Alertmanager applies."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.support.alertmanager import SHIPPED, Alertmanager, amtool, placeholders, render, rendered
from tests.support.pipeline import wait_until
from tests.support.promtool import PROMETHEUS_DIR

RULES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))


def alert_names() -> set[str]:
    return {rule["alert"] for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"] if "alert" in rule}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(rendered(tmp_path)))
    return path


def test_amtool_checks_the_rendered_config(config_file: Path):
    result = amtool("check-config", str(config_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_no_secret_is_written_in_the_shipped_file():
    assert {"WECOM_API_SECRET", "WECOM_CORP_ID", "LIVEFEST_ALERT_WEBHOOK_URL"} <= placeholders()
    receivers = {r["name"]: r for r in yaml.safe_load(SHIPPED.read_text())["receivers"]}
    assert receivers["on-call"]["wechat_configs"][0]["api_secret"] == "${WECOM_API_SECRET}"


def test_an_unset_variable_stops_the_container_naming_it(tmp_path: Path):
    values = {name: "x" for name in placeholders() if name != "WECOM_API_SECRET"}
    result = render(tmp_path, values)
    assert result.returncode != 0 and "WECOM_API_SECRET is not set" in result.stderr


@pytest.mark.parametrize("labels,receiver", [
    ("severity=page alertname=KafkaUnavailable", "on-call"),
    ("severity=ticket alertname=IngestRoomFailing", "control-room"),
    ("alertname=Unlabelled", "control-room"),
])
def test_routes_by_severity(config_file: Path, labels: str, receiver: str):
    result = amtool("config", "routes", "test", f"--config.file={config_file}", *labels.split())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [receiver]


def test_pages_go_to_wecom_and_the_webhook_tickets_to_the_webhook(config_file: Path):
    receivers = {r["name"]: r for r in yaml.safe_load(config_file.read_text())["receivers"]}
    assert receivers["on-call"]["wechat_configs"][0]["to_party"] == "2"
    assert receivers["on-call"]["webhook_configs"][0]["send_resolved"] is True
    assert set(receivers["control-room"]) == {"name", "webhook_configs"}


def test_every_severity_a_rule_uses_has_a_route():
    severities = {rule["labels"]["severity"] for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
                  for rule in group["rules"] if "alert" in rule}
    routes = yaml.safe_load(SHIPPED.read_text())["route"]["routes"]
    assert {m.split("=")[1].strip('"') for r in routes for m in r["matchers"]} == severities == {"page", "ticket"}


def test_inhibition_names_only_alerts_that_exist():
    import re

    for rule in yaml.safe_load(SHIPPED.read_text())["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            name, _, value = re.match(r'(\w+)(=~|=)"(.*)"', matcher).groups()  # type: ignore[union-attr]
            if name == "alertname":
                assert set(value.split("|")) <= alert_names(), matcher


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    server = Alertmanager(tmp_path, rendered(tmp_path)).start()
    try:
        yield server
    finally:
        server.stop()


def alert(name: str, **labels: str) -> dict:
    now = datetime.now(UTC)
    return {"labels": {"alertname": name, "system": "livefest", **labels},
            "annotations": {"summary": name}, "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(minutes=10)).isoformat()}


def test_a_dead_broker_pages_once_not_for_every_symptom(alertmanager: Alertmanager):
    alertmanager.post([
        alert("KafkaUnavailable", severity="page", instance="ingest:9108"),
        alert("AggregatorStalled", severity="page", instance="aggregator-1:6066"),
        alert("FestivalFiguresFrozen", severity="page"),
        alert("IngestSpoolNotDraining", severity="page", instance="ingest:9108"),
        alert("IngestPlatformFailing", severity="page", platform="taobao"),
    ])

    def states() -> dict[str, str] | None:
        got = {a["labels"]["alertname"]: a["status"]["state"] for a in alertmanager.alerts()}
        return got if len(got) == 5 and "unprocessed" not in got.values() else None

    assert wait_until(states, 10, "Alertmanager to process the alerts") == {
        "KafkaUnavailable": "active",
        "AggregatorStalled": "suppressed",
        "FestivalFiguresFrozen": "suppressed",
        "IngestSpoolNotDraining": "suppressed",
        "IngestPlatformFailing": "active",  # polling the platforms does not depend on Kafka
    }


def test_a_failing_platform_holds_back_its_failing_rooms_only(alertmanager: Alertmanager):
    alertmanager.post([
        alert("IngestPlatformFailing", severity="page", platform="taobao"),
        alert("IngestRoomFailing", severity="ticket", platform="taobao"),
        alert("IngestRoomFailing", severity="ticket", platform="douyin"),
    ])

    def states() -> list[tuple[str, str, str]] | None:
        got = sorted((a["labels"]["alertname"], a["labels"]["platform"], a["status"]["state"])
                     for a in alertmanager.alerts())
        return got if len(got) == 3 and all(s != "unprocessed" for *_, s in got) else None

    assert wait_until(states, 10, "Alertmanager to process the alerts") == [
        ("IngestPlatformFailing", "taobao", "active"),
        ("IngestRoomFailing", "douyin", "active"),
        ("IngestRoomFailing", "taobao", "suppressed"),
    ]
