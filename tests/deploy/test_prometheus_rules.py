"""The shipped Prometheus configuration and alert rules, checked by the real promtool."""

import re
from pathlib import Path

import yaml

from tests.support.promtool import PROMETHEUS_DIR, ROOT, promtool

RULES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))


def _ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, f"promtool failed:\n{result.stdout}\n{result.stderr}"


def test_promtool_checks_the_config():
    _ok(promtool("check", "config", "prometheus.yml"))


def test_promtool_checks_the_rules():
    assert RULES
    _ok(promtool("check", "rules", *map(str, RULES)))


def test_promtool_rule_unit_tests_pass():
    assert RULE_TESTS
    result = promtool("test", "rules", *map(str, RULE_TESTS))
    _ok(result)
    assert "SUCCESS" in result.stdout


def alerts() -> set[str]:
    return {
        rule["alert"]
        for path in RULES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_every_alert_has_a_firing_and_a_silent_case():
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    assert alerts() - firing == set(), "alerts without a firing test case"
    assert alerts() - silent == set(), "alerts without a non-firing test case"
    assert len(alerts()) >= 10


def test_the_operator_needs_are_covered():
    needed = {
        "LivefestTargetDown", "IngestAdapterNotPolling", "IngestPlatformFailing", "LiveSessionSilent",
        "ConsumerLagGrowing", "DeadLettersRising", "ClickHouseWritesFailing", "ApiErrors",
    }
    assert needed <= alerts()


def test_rules_and_dashboards_use_only_catalogued_metrics():
    catalogue = set(re.findall(r"`(livefest_[a-z0-9_]+)`", (ROOT / "deploy" / "METRICS.md").read_text()))
    used_in: dict[str, Path] = {}
    for path in [*RULES, *(ROOT / "deploy" / "grafana" / "dashboards").glob("*.json")]:
        for name in re.findall(r"\blivefest_[a-z0-9_]+", path.read_text()):
            used_in[re.sub(r"_(bucket|count|sum)$", "", name)] = path
    unknown = {name: str(path) for name, path in used_in.items() if name not in catalogue}
    assert not unknown, f"metrics not in deploy/METRICS.md: {unknown}"
