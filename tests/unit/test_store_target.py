"""Which store a process uses (kernel/store_target.py): the one place LIVEFEST_CLICKHOUSE is resolved."""

import json
from pathlib import Path

import pytest

from kernel import store_target
from kernel.chserver.control import RunningServer
from kernel.clickhouse_roles import Role
from kernel.settings import Settings
from kernel.store_target import Kind, record_database, resolve, split_database, with_database


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("LIVEFEST_CLICKHOUSE", "LIVEFEST_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_explicit_server_dsn_is_used_with_its_credentials_kept_apart(no_env: Path):
    target = resolve(Settings(clickhouse="http://u:s%40cret@ch:8123/festival"))
    assert (target.kind, target.server_dsn, target.database) == (Kind.EXTERNAL, "http://ch:8123", "festival")
    assert target.dsn == "http://ch:8123/festival"
    assert (target.user, target.password.get_secret_value()) == ("u", "s@cret")  # URL-decoded
    assert "cret" not in target.describe() + repr(target) and "LIVEFEST_CLICKHOUSE" in target.describe()
    assert target.child_env() == {"LIVEFEST_CLICKHOUSE": "http://ch:8123/festival", "LIVEFEST_CLICKHOUSE_USER": "u",
                                  "LIVEFEST_CLICKHOUSE_PASSWORD": "s@cret"}


def test_user_and_password_variables_win_over_the_dsn_and_need_no_encoding(no_env: Path):
    settings = Settings(clickhouse="http://u:old@ch:8123/festival", clickhouse_user="livefest_reader",
                        clickhouse_password="p@ss:w/rd?#")
    target = resolve(settings)
    assert (target.user, target.password.get_secret_value()) == ("livefest_reader", "p@ss:w/rd?#")


def test_an_explicit_chdb_dsn_is_the_embedded_engine_on_that_path(no_env: Path):
    target = resolve(Settings(clickhouse=f"chdb://{no_env}/ch?database=f1"))
    assert (target.kind, target.data_path, target.database) == (Kind.EMBEDDED, no_env / "ch", "f1")
    assert target.server_dsn == f"chdb://{no_env}/ch"


def test_unset_without_a_server_is_the_data_directorys_engine_and_recorded_database(no_env: Path):
    settings = Settings(data_dir=no_env / "d")
    assert resolve(settings).database == "livefest"  # before any `livefest up`
    record_database(no_env / "d", "festival_20211023_200000")
    target = resolve(settings)
    assert target.kind is Kind.EMBEDDED
    assert target.data_path == (no_env / "d" / "clickhouse").resolve()
    assert target.dsn == f"chdb://{target.data_path}?database=festival_20211023_200000"
    assert "no local server running" in target.source


def test_unset_with_the_local_server_running_goes_through_it(no_env: Path, monkeypatch: pytest.MonkeyPatch):
    found = RunningServer(pid=4242, listen_host="127.0.0.1", http_port=18123, tcp_port=19000)
    asked: list[Path] = []
    monkeypatch.setattr(store_target, "find_running", lambda data_dir: asked.append(data_dir) or found)
    record_database(no_env / "d", "festival_1")
    target = resolve(Settings(data_dir=no_env / "d"))
    assert asked == [no_env / "d"]
    assert (target.kind, target.dsn) == (Kind.LOCAL_SERVER, "http://127.0.0.1:18123/festival_1")
    # The caller's role decides the user; the passwords are the data directory's (generated once).
    assert target.user == "livefest_reader"
    writer = resolve(Settings(data_dir=no_env / "d"), role=Role.WRITER)
    assert writer.user == "livefest_writer" and writer.password != target.password
    stored = json.loads((no_env / "d" / "clickhouse-server" / "passwords.json").read_text())
    assert stored["writer"] == writer.password.get_secret_value()
    assert target.data_path == (no_env / "d" / "clickhouse").resolve() and "pid 4242" in target.source


def test_an_explicit_dsn_never_looks_for_the_local_server(no_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(store_target, "find_running", lambda data_dir: pytest.fail("looked for a local server"))
    assert resolve(Settings(clickhouse="https://ch:8443/x")).kind is Kind.EXTERNAL


@pytest.mark.parametrize(
    ("dsn", "server", "database"),
    [
        ("chdb:///a/b", "chdb:///a/b", "livefest"),
        ("chdb:///a/b?database=x&threads=2", "chdb:///a/b?threads=2", "x"),
        ("http://u:p@h:8123/db", "http://u:p@h:8123", "db"),
        ("http://h:8123", "http://h:8123", "livefest"),
        ("https://h:8443/db?secure=1", "https://h:8443?secure=1", "db"),
    ],
)
def test_the_database_is_split_off_and_put_back(dsn: str, server: str, database: str):
    assert split_database(dsn) == (server, database)
    assert split_database(with_database(server, database)) == (server, database)
