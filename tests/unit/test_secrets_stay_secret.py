"""Secrets never reach a terminal or a log: the real `livefest` command is fed malformed or
failing settings that carry secrets (a typo in LIVEFEST_API_KEYS, a bad DSN with a
password, an unreachable server with one, a Kafka password with an incomplete SASL set-up),
in text and in JSON log format, and stdout and stderr are searched for every secret.
Each failure is still one line that names the variable to fix."""

import os
import stat

import pytest

from services.ingest.spool import Spool
from tests.support.pipeline import free_port
from tests.unit.test_cli_errors import assert_one_line, run

SECRET = "Sup3r-Secret-Value"


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize(
    ("env", "names"),
    [
        # A key without its scope (the typo prints nothing of the list).
        ({"LIVEFEST_API_KEYS": f"{SECRET}:all,yingde-{SECRET}"}, ["LIVEFEST_API_KEYS", "entry #2"]),
        # Scope and key swapped: the "scope" is the secret.
        ({"LIVEFEST_API_KEYS": f"yingde:{SECRET}"}, ["LIVEFEST_API_KEYS", "entry #1"]),
        # A password with a `/` not URL-encoded: urllib would quote it as the "port".
        ({"LIVEFEST_CLICKHOUSE": f"http://livefest:{SECRET}/x@clickhouse:8123/livefest"}, ["LIVEFEST_CLICKHOUSE"]),
        ({"LIVEFEST_CLICKHOUSE": f"ftp://livefest:{SECRET}@clickhouse/livefest"}, ["LIVEFEST_CLICKHOUSE"]),
        ({"LIVEFEST_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "LIVEFEST_KAFKA_SASL_PASSWORD": SECRET},
         ["LIVEFEST_KAFKA_SASL_MECHANISM", "LIVEFEST_KAFKA_SASL_USERNAME"]),
        ({"LIVEFEST_KAFKA_SASL_PASSWORD": SECRET}, ["LIVEFEST_KAFKA_SECURITY_PROTOCOL"]),
    ],
)
def test_a_malformed_setting_is_one_line_without_the_secret(env: dict[str, str], names: list[str], log_format: str):
    result = run("status", LIVEFEST_LOG_FORMAT=log_format, **env)
    assert_one_line(result, 1, *names)
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("command", [("migrate",), ("api",), ("report", "--output", "/tmp/never.xlsx")])
def test_an_unreachable_server_is_named_without_its_password(command: tuple[str, ...], log_format: str):
    port = free_port()
    for env in ({"LIVEFEST_CLICKHOUSE": f"http://livefest_admin:{SECRET}@127.0.0.1:{port}/livefest"},
                {"LIVEFEST_CLICKHOUSE": f"http://127.0.0.1:{port}/livefest", "LIVEFEST_CLICKHOUSE_USER": "x",
                 "LIVEFEST_CLICKHOUSE_PASSWORD": SECRET}):
        result = run(*command, LIVEFEST_LOG_FORMAT=log_format, LIVEFEST_API_KEYS=f"{SECRET}-key:all", **env)
        assert_one_line(result, 1, f"127.0.0.1:{port}")
        assert SECRET not in result.stdout + result.stderr


def test_a_refused_kafka_connection_is_named_without_the_password():
    port = free_port()
    env = {"LIVEFEST_KAFKA": f"127.0.0.1:{port}", "LIVEFEST_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
           "LIVEFEST_KAFKA_SASL_MECHANISM": "PLAIN", "LIVEFEST_KAFKA_SASL_USERNAME": "county",
           "LIVEFEST_KAFKA_SASL_PASSWORD": SECRET}
    for log_format in ("text", "json"):
        result = run("dlq", "list", LIVEFEST_LOG_FORMAT=log_format, **env)
        assert_one_line(result, 1, f"LIVEFEST_KAFKA=127.0.0.1:{port}", "SASL_PLAINTEXT", "'county'")
        assert SECRET not in result.stdout + result.stderr


def test_an_invalid_adapters_config_is_reported_without_its_credentials(tmp_path):
    config = tmp_path / "ingest.toml"
    config.write_text(f'[platforms.channels]\nbase_url = "http://x"\nclient_id = "app"\nclient_secret = "{SECRET}"\n'
                      f'poll_seconds = -1\n\n[[platforms.channels.rooms]]\nroom_id = "r1"\ncounty = "nowhere"\n'
                      f'client_id = "room"\nclient_secret = "{SECRET}-room"\n')  # fmt: skip
    result = run("ingest", "--config", str(config))
    assert result.returncode != 0 and "poll_seconds" in result.stderr and "county" in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_the_spool_keeping_tokens_and_grants_is_readable_by_its_owner_only(tmp_path):
    older = tmp_path / "old" / "ingest"
    older.mkdir(parents=True)
    (older / "spool.sqlite").touch(mode=0o644)  # made before secrets were kept in it
    for path in (tmp_path / "new" / "ingest" / "spool.sqlite", older / "spool.sqlite"):
        spool = Spool(path)
        spool.set("wechat:stable-token:wx1", '{"value": "secret-token"}')
        files = [path, path.with_name("spool.sqlite-wal"), path.with_name("spool.sqlite-shm")]
        assert {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in files} == {f.name: 0o600 for f in files}
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
        spool.close()
