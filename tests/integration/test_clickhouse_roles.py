"""Least privilege in ClickHouse, on a real local server (`livefest clickhouse start`):
the reader (API, reports, Grafana) can read but not write or drop, and may tighten its
query limits but never loosen them; the API, logged in as the reader, answers (its every
query carries its own limits);
the writer (aggregators) can insert, and its inserts feed the materialized views, but it
cannot drop, alter, truncate or create; the admin (migrations) can do all; nobody can log
in as `default` (over HTTP or the native protocol), so neither it nor the reader can close
the listeners; a wrong password is refused. Passwords not set in the environment are
generated into the data directory (mode 0600) and the command says so.

The expectations are ClickHouse's own refusals (error codes), not livefest's code."""

import base64
import json
import socket
import stat
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import clickhouse_connect
import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kernel.clickhouse import ReadLimits, Store
from kernel.clickhouse_roles import READER_MAX_EXECUTION_S, READER_MAX_RESULT_ROWS, Role
from kernel.settings import Settings
from services.api.main import create_app, read_limits
from tests.integration.test_clickhouse_server import Server

READONLY, SETTING_CONSTRAINT_VIOLATION, ACCESS_DENIED, AUTHENTICATION_FAILED = 164, 452, 497, 516
USER_SESSION_LIMIT_EXCEEDED = 700
ROW = ("INSERT INTO snapshots (session_id, observed_at, kafka_partition, kafka_offset, platform, room_id, county, "
       "special, status, viewers_online, viewers_total, orders, units_sold, gmv_fen, products_listed, categories, "
       "received_at) VALUES ('douyin:roles-1', '2021-10-23 02:00:00', 0, 1, 'douyin', 'r1', 'yingde', '', 'live', "
       "5, 10, 2, 3, 1999, 4, ['agri'], now64(3))")  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    started = server.livefest("clickhouse", "start")
    assert started.returncode == 0, started.stdout + started.stderr
    server.started = started  # type: ignore[attr-defined]
    try:
        migrated = server.livefest("migrate")
        assert migrated.returncode == 0 and "as livefest_admin" in migrated.stdout, migrated.stdout + migrated.stderr
        yield server
    finally:
        server.livefest("clickhouse", "stop")


def client(server: Server, user: str, password: str) -> Client:
    return clickhouse_connect.get_client(host="127.0.0.1", port=server.http, username=user, password=password,
                                         database="livefest")  # fmt: skip


def refused(run: Client, sql: str) -> int:
    """ClickHouse's error code for `sql`, failing the test when it succeeds."""
    with pytest.raises(DatabaseError) as caught:
        run.command(sql)
    code = int(str(caught.value).split("Code: ")[1].split(".")[0])
    return code


def generated(server: Server) -> dict[str, str]:
    path = server.data_dir / "clickhouse-server" / "passwords.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return dict(json.loads(path.read_text()))


def test_the_reader_reads_only_and_the_writer_cannot_drop_or_alter(server: Server):
    passwords = generated(server)
    # The admin's password came from the environment: only the others were generated, and said so.
    assert set(passwords) == {"writer", "reader"}
    assert "generated local ClickHouse passwords for livefest_writer, livefest_reader" in server.started.stderr

    writer = client(server, "livefest_writer", passwords["writer"])
    writer.command(ROW)
    # The materialized views ran with the writer's rights: the session is in the derived view.
    assert writer.query("SELECT session_id, gmv_fen FROM session_latest").result_rows == [("douyin:roles-1", 1999)]
    for sql in ("DROP TABLE snapshots", "TRUNCATE TABLE snapshots", "ALTER TABLE snapshots DELETE WHERE 1",
                "ALTER TABLE snapshots ADD COLUMN x UInt8", "CREATE TABLE t (a UInt8) ENGINE = Memory",
                "DROP DATABASE livefest", "CREATE USER intruder IDENTIFIED BY 'x'"):
        assert refused(writer, sql) == ACCESS_DENIED, sql

    reader = client(server, "livefest_reader", passwords["reader"])
    assert reader.query("SELECT count() FROM snapshots").result_rows == [(1,)]
    limits = reader.query("SELECT getSetting('readonly'), getSetting('max_execution_time') > 0, "
                          "getSetting('max_result_rows') > 0, getSetting('max_memory_usage') > 0").result_rows
    assert limits == [(2, True, True, True)]
    for sql in (ROW, "DROP TABLE snapshots", "TRUNCATE TABLE snapshots", "ALTER TABLE snapshots DELETE WHERE 1",
                "CREATE TABLE t (a UInt8) ENGINE = Memory"):
        assert refused(reader, sql) in (READONLY, ACCESS_DENIED), sql
    for sql in ("SET readonly = 0", "SET readonly = 1"):
        assert refused(reader, sql) == READONLY, sql

    # Nothing above went through: the admin still sees the one row and every table.
    admin = client(server, "livefest_admin", server.env["LIVEFEST_CLICKHOUSE_ADMIN_PASSWORD"])
    assert admin.query("SELECT count() FROM snapshots").result_rows == [(1,)]
    assert admin.query("EXISTS TABLE snapshots").result_rows == [(1,)]


def test_nobody_logs_in_as_default_and_only_the_admin_controls_the_listeners(server: Server):
    """Issue 24: `curl -u default: --data-binary "SYSTEM STOP LISTEN HTTP"` closed the listeners.
    `default` is the host's own in-process session, and that session is the only one it may
    have: a login as `default` is refused before any statement runs, over HTTP and over the
    native protocol; the reader lacks the privilege. The server keeps answering."""
    passwords = generated(server)
    for sql in ("SYSTEM STOP LISTEN HTTP", "SYSTEM STOP LISTEN TCP", "SYSTEM STOP LISTEN QUERIES ALL",
                "SELECT count() FROM livefest.snapshots", "CREATE DATABASE intruders"):
        for authorization in ("Basic " + base64.b64encode(b"default:").decode(), None):  # curl -u default:, or none
            assert posted(server, sql, authorization) == USER_SESSION_LIMIT_EXCEEDED, (sql, authorization)
    assert native_login(server.tcp, "default", "") == USER_SESSION_LIMIT_EXCEEDED
    reader = client(server, "livefest_reader", passwords["reader"])
    for sql in ("SYSTEM STOP LISTEN HTTP", "SYSTEM STOP LISTEN TCP", "SYSTEM STOP LISTEN QUERIES ALL"):
        assert refused(reader, sql) in (READONLY, ACCESS_DENIED), sql
    try:  # a user may kill its own queries only: the keep-alive (and with it the server) stays
        reader.command("KILL QUERY WHERE query LIKE '%keepalive marker%' SYNC")
    except DatabaseError as exc:
        assert f"Code: {ACCESS_DENIED}" in str(exc)
    with urllib.request.urlopen(f"{server.url}/ping", timeout=5) as ping:
        assert ping.read() == b"Ok.\n"
    admin = client(server, "livefest_admin", server.env["LIVEFEST_CLICKHOUSE_ADMIN_PASSWORD"])
    assert admin.query("SELECT count() FROM system.processes WHERE query LIKE '%keepalive marker%'"
                       " AND query NOT LIKE '%system.processes%'").result_rows == [(1,)]
    for user in ("livefest_admin", "livefest_writer", "livefest_reader"):
        with pytest.raises(DatabaseError, match=f"Code: {AUTHENTICATION_FAILED}"):
            client(server, user, passwords["reader"] + "-wrong")


def posted(server: Server, sql: str, authorization: str | None) -> int:
    """ClickHouse's error code for `sql` POSTed as curl would (0 when it succeeds)."""
    headers = {"Authorization": authorization} if authorization else {}
    request = urllib.request.Request(server.url, data=sql.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10):
            return 0
    except urllib.error.HTTPError as exc:
        return int(exc.read().decode().split("Code: ")[1].split(".")[0])


def native_login(port: int, user: str, password: str) -> int:
    """ClickHouse's error code for a native-protocol Hello as `user` (0 when it is accepted):
    the client's first packet, written by hand (no native client is installed)."""

    def string(text: str) -> bytes:
        data = text.encode()
        return varint(len(data)) + data

    hello = varint(0) + string("livefest-test") + varint(24) + varint(8) + varint(54449) + string("") \
        + string(user) + string(password)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(hello)
        answer = conn.recv(65536)
    kind = answer[0]
    if kind == 0:  # Hello: logged in
        return 0
    assert kind == 2, f"neither Hello nor Exception: {answer[:40]!r}"
    return int(struct.unpack_from("<i", answer, 1)[0])


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_the_reader_may_tighten_its_limits_but_never_loosen_them(server: Server):
    reader = client(server, "livefest_reader", generated(server)["reader"])
    # The API's limits and its heavy lane's, as every API query carries them: accepted.
    api = ReadLimits()
    asked = reader.query("SELECT getSetting('max_execution_time'), getSetting('max_result_rows'), "
                         "getSetting('max_threads')", settings={**api.settings(), **api.heavy()}).result_rows
    assert [tuple(float(v) for v in row) for row in asked] == [(api.max_execution_s, api.max_result_rows, 1.0)]
    # Sent as SET statements, so that ClickHouse itself judges them (the client checks nothing).
    for sql in ("SET max_execution_time = 0", f"SET max_execution_time = {READER_MAX_EXECUTION_S + 1}",
                "SET max_memory_usage = 0", "SET max_memory_usage = 8000000000", "SET max_result_rows = 0",
                f"SET max_result_rows = {READER_MAX_RESULT_ROWS + 1}", "SET result_overflow_mode = 'break'",
                "SET timeout_overflow_mode = 'break'", "SET max_concurrent_queries_for_user = 0"):
        assert refused(reader, sql) == SETTING_CONSTRAINT_VIOLATION, sql


def test_the_api_answers_logged_in_as_the_reader(server: Server):
    passwords = generated(server)
    client(server, "livefest_writer", passwords["writer"]).command(ROW)
    store = Store(f"{server.url}/livefest", user=Role.READER.user, password=SecretStr(passwords["reader"]))
    settings = Settings(api_keys="bureau-key:all,yingde-key:yingde")
    # The default API limits are within what the reader's profile lets it ask for.
    assert read_limits(settings).max_execution_s <= READER_MAX_EXECUTION_S
    assert read_limits(settings).max_result_rows <= READER_MAX_RESULT_ROWS
    bureau = {"Authorization": "Bearer bureau-key"}
    try:
        with TestClient(create_app(settings, store, registry=CollectorRegistry())) as api:
            assert api.get("/healthz").json() == {"status": "ok", "clickhouse": "ok"}
            totals = api.get("/v1/totals", headers=bureau)
            assert totals.status_code == 200 and totals.json()["gmv_fen"] == 1999, totals.text
            # A heavy question: the heavy lane's priority and threads on top of the limits.
            series = api.get("/v1/timeseries?metric=gmv_fen&from=2021-10-23T00:00:00Z&to=2021-10-24T00:00:00Z"
                             "&step=1h", headers=bureau)
            assert series.status_code == 200 and sum(p["value"] for p in series.json()["points"]) == 1999, series.text
            figures = api.get("/v1/metrics", headers={"Authorization": "Bearer yingde-key"})
            assert figures.status_code == 200
            assert 'livefest_festival_gmv_fen{county="yingde",platform="douyin"} 1999.0' in figures.text
            assert api.get("/metrics").status_code == 200
    finally:
        store.close()
