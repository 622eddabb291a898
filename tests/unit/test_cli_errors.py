"""The operator's CLI: `--version`, and every user error — a bad argument, a bad setting,
an unreachable ClickHouse or Kafka — as one line on stderr with a non-zero exit status,
never a traceback. Runs the installed `livefest` command against closed local ports."""

import os
import subprocess
from importlib.metadata import version

import pytest

from tests.support.pipeline import LIVEFEST, free_port


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LIVEFEST), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=60)


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"livefest, version {version('livefest')}"


@pytest.mark.parametrize("top", ["0", "-3", "1000001", "ten"])
def test_report_top_rejects_nonsense(top: str, tmp_path):
    assert_one_line(run("report", "--output", str(tmp_path / "r.xlsx"), "--top", top), 2, "--top", "livefest report -h")


@pytest.mark.parametrize("args,needle", [
    (("replay", "--rooms", "0"), "--rooms"),
    (("replay", "--speed", "-1"), "--speed"),
    (("dlq", "--dlq", "nope", "list"), "--dlq"),
    (("dlq", "republish"), "--all"),
    (("no-such-command",), "no-such-command"),
])
def test_bad_arguments(args: tuple[str, ...], needle: str):
    assert_one_line(run(*args), 2, needle)


def test_a_bad_setting_names_the_variable():
    assert_one_line(run("status", LIVEFEST_LOG_FORMAT="xml"), 1, "LIVEFEST_LOG_FORMAT='xml'", "'text' or 'json'")


def test_unreachable_clickhouse_names_the_setting_without_the_password():
    port = free_port()
    result = run("migrate", LIVEFEST_CLICKHOUSE=f"http://livefest:s3cret@127.0.0.1:{port}/livefest")
    assert_one_line(result, 1, "LIVEFEST_CLICKHOUSE=", f"127.0.0.1:{port}", "unreachable")
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize("args", [("dlq", "list"), ("dlq", "--dlq", "topicstats", "list"), ("replay",),
                                  ("rebuild", "--from-topic")])
def test_unreachable_kafka_names_the_setting(args: tuple[str, ...], tmp_path):
    address = f"127.0.0.1:{free_port()}"
    result = run(*args, LIVEFEST_KAFKA=address, LIVEFEST_DATA_DIR=str(tmp_path))
    assert_one_line(result, 1, f"LIVEFEST_KAFKA={address}", "unreachable")
