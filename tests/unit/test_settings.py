import pytest
from pydantic import ValidationError

from kernel.api_keys import parse_api_keys
from kernel.settings import Settings
from kernel.store_target import Kind, resolve


def test_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for name in ("LIVEFEST_KAFKA", "LIVEFEST_CLICKHOUSE", "LIVEFEST_API_KEYS", "LIVEFEST_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.kafka == "127.0.0.1:9092"
    # Unset: the data directory's own store (embedded while no local server runs for it).
    target = resolve(settings)
    expected = f"chdb://{tmp_path / '.livefest' / 'clickhouse'}?database=livefest"
    assert (target.kind, target.dsn) == (Kind.EMBEDDED, expected)
    assert (settings.clickhouse_http_port, settings.clickhouse_tcp_port) == (8123, 9000)
    assert not settings.api_key_set and (settings.api_host, settings.api_port) == ("127.0.0.1", 8000)


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LIVEFEST_CLICKHOUSE", "http://u:p@ch:8123/livefest")
    monkeypatch.setenv("LIVEFEST_API_KEYS", "k1:all, k2:yingde")
    settings = Settings()
    target = resolve(settings)
    assert (target.kind, target.dsn, target.database) == (Kind.EXTERNAL, "http://ch:8123/livefest", "livefest")
    assert (target.user, target.password and target.password.get_secret_value()) == ("u", "p")
    keys = settings.api_key_set
    assert (keys.scope_of("k1"), keys.scope_of("k2"), keys.scope_of("k3")) == ("all", "yingde", None)


@pytest.mark.parametrize("spec", ["nokey", "k:guangzhou", ":all"])
def test_malformed_api_keys_fail_at_start_up(monkeypatch: pytest.MonkeyPatch, spec: str):
    monkeypatch.setenv("LIVEFEST_API_KEYS", spec)
    with pytest.raises(ValidationError, match="LIVEFEST_API_KEYS"):
        Settings()


def test_key_with_colons_keeps_everything_before_the_scope():
    keys = parse_api_keys("a:b:c:city")
    assert keys.scope_of("a:b:c") == "city" and keys.scope_of("a:b") is None


def test_a_cluster_is_reached_through_one_of_its_server_nodes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LIVEFEST_CLICKHOUSE", "http://u:p@node1:8123/livefest")
    monkeypatch.setenv("LIVEFEST_CLICKHOUSE_CLUSTER", "festival")
    target = resolve(Settings())
    assert (target.kind, target.cluster) == (Kind.EXTERNAL, "festival")
    assert "a node of cluster festival" in target.describe() and ":p@" not in target.describe()


@pytest.mark.parametrize(("dsn", "cluster", "fragment"), [
    (None, "festival", "set LIVEFEST_CLICKHOUSE"),
    ("chdb:///tmp/x", "festival", "set LIVEFEST_CLICKHOUSE"),
    ("http://node1:8123/livefest", "fest ival", "identifier"),
])  # fmt: skip
def test_a_cluster_without_a_server_dsn_or_with_a_bad_name_fails_at_start_up(
    monkeypatch: pytest.MonkeyPatch, dsn: str | None, cluster: str, fragment: str
):
    monkeypatch.delenv("LIVEFEST_CLICKHOUSE", raising=False)
    if dsn:
        monkeypatch.setenv("LIVEFEST_CLICKHOUSE", dsn)
    monkeypatch.setenv("LIVEFEST_CLICKHOUSE_CLUSTER", cluster)
    with pytest.raises(ValidationError, match=fragment):
        Settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LIVEFEST_API_QUERY_SECONDS", "121"), ("LIVEFEST_API_MAX_MEMORY_BYTES", "4000000001"),
     ("LIVEFEST_API_MAX_RESULT_ROWS", "1000001")],
)  # fmt: skip
def test_the_apis_limits_stay_within_the_readers_own(monkeypatch: pytest.MonkeyPatch, variable: str, value: str):
    # The API logs in as livefest_reader, whose profile refuses any looser limit: say so at start-up.
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable.removeprefix("LIVEFEST_").lower()):
        Settings()
    monkeypatch.setenv(variable, str(int(value) - 1))
    Settings()
