"""The shipped Prometheus configuration and alert rules, checked by the real promtool, and
held to the metrics the code declares."""

import re
from pathlib import Path

import pytest
import yaml

from tests.support.metric_catalogue import labels_of, render
from tests.support.metric_refs import RULES, catalogue_problems, dashboard_queries, query_problems, rule_queries
from tests.support.promtool import PROMETHEUS_DIR, ROOT, promtool

RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
RUNBOOKS = ROOT / "deploy" / "runbooks"
SEVERITIES = {"page", "ticket"}  # the routes of deploy/alertmanager/alertmanager.yml


def _ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, f"promtool failed:\n{result.stdout}\n{result.stderr}"


def alert_rules() -> list[dict]:
    return [rule for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"] if "alert" in rule]


def alerts() -> set[str]:
    return {rule["alert"] for rule in alert_rules()}


def test_promtool_checks_the_config(tmp_path: Path):
    # As in the container: the festival job's key file exists (compose's secret).
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config["rule_files"]]
    for job in config["scrape_configs"]:
        if "authorization" in job:
            secret = tmp_path / Path(job["authorization"]["credentials_file"]).name
            secret.write_text("a-key")
            job["authorization"]["credentials_file"] = str(secret)
    copy = tmp_path / "prometheus.yml"
    copy.write_text(yaml.safe_dump(config))
    _ok(promtool("check", "config", str(copy)))


def test_promtool_checks_the_rules():
    assert RULES
    _ok(promtool("check", "rules", *map(str, RULES)))


def rendered_rule_tests(tmp_path: Path) -> list[str]:
    """The rule tests with `${service.field}` replaced by the names the code exports."""
    paths = []
    for path in RULE_TESTS:
        text = yaml.safe_load(path.read_text())
        text["rule_files"] = [str((path.parent / f).resolve()) for f in text["rule_files"]]
        for case in text["tests"]:
            for series in case.get("input_series", []):
                series["series"] = render(series["series"])
        out = tmp_path / path.name
        out.write_text(yaml.safe_dump(text, allow_unicode=True, sort_keys=False))
        paths.append(str(out))
    return paths


def test_promtool_rule_unit_tests_pass_with_the_names_the_code_exports(tmp_path: Path):
    assert RULE_TESTS
    result = promtool("test", "rules", *rendered_rule_tests(tmp_path))
    _ok(result)
    assert "SUCCESS" in result.stdout


def test_the_rule_tests_name_no_metric_by_hand():
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for series in case.get("input_series", []):
                name = re.match(r"\$\{[^}]+\}|[\w:]+", series["series"])[0]  # type: ignore[index]
                assert name == "up" or name.startswith("${"), (
                    f"{path.name} ({case['name']}): write ${{service.field}} instead of {name}, so the test "
                    "feeds the names the code really exports"
                )


def test_every_alert_has_a_firing_and_a_silent_case():
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    assert alerts() - firing == set(), "alerts without a firing test case"
    assert alerts() - silent == set(), "alerts without a non-firing test case"
    assert len(alerts()) >= 15


def test_the_operator_needs_are_covered():
    needed = {
        "LivefestTargetDown", "KafkaUnavailable", "IngestAdapterNotPolling", "IngestPlatformFailing",
        "IngestNoSuccessfulPoll", "IngestRoomFailing", "IngestSpoolNotDraining", "LiveSessionSilent",
        "FestivalFiguresFrozen", "ConsumerLagGrowing", "DeadLettersRising", "ClickHouseWritesFailing",
        "AggregatorStalled", "ApiErrors",
    }
    assert needed <= alerts()


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_every_alert_says_what_it_means_and_links_its_runbook(rule: dict):
    assert rule["labels"]["severity"] in SEVERITIES
    annotations = rule["annotations"]
    assert annotations["summary"] and len(annotations["description"]) > 80
    assert annotations["runbook_url"] == f"deploy/runbooks/{rule['alert']}.md"
    runbook = ROOT / annotations["runbook_url"]
    assert runbook.exists(), f"write {runbook}: what it means, what to check, what to do"
    text = runbook.read_text(encoding="utf-8")
    assert text.startswith(f"# {rule['alert']}")
    for section in ("## What it means", "## What to check", "## What to do"):
        assert section in text, f"{runbook.name} lacks {section!r}"


def test_every_runbook_belongs_to_an_alert():
    assert {path.stem for path in RUNBOOKS.glob("*.md")} - {"README"} == alerts()


def test_rules_name_only_metrics_and_labels_the_code_declares():
    problems = query_problems(rule_queries(), labels_of)
    assert not problems, "\n".join(problems)


def test_dashboards_name_only_metrics_and_labels_the_code_declares():
    problems = query_problems(dashboard_queries(), labels_of)
    assert not problems, "\n".join(problems)


def test_the_catalogue_documents_the_labels_the_code_declares():
    problems = catalogue_problems(labels_of)
    assert not problems, "\n".join(problems)
