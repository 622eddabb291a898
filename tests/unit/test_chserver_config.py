"""The local ClickHouse server's generated config.xml (kernel/chserver/config.py)."""

import xml.etree.ElementTree as ET

from kernel.chserver.config import ServerConfig, render


def test_listeners_on_this_machine_only_on_the_chosen_ports():
    root = ET.fromstring(render(ServerConfig(http_port=18123, tcp_port=19000)))
    assert root.tag == "clickhouse"
    values = {child.tag: child.text for child in root if isinstance(child.tag, str)}
    # Loopback only, and the users (with passwords) come from users.xml beside it.
    assert values["listen_host"] == "127.0.0.1" and values["users_config"] == "users.xml"
    assert (values["http_port"], values["tcp_port"]) == ("18123", "19000")
    # Idle client connections must not hold a clean stop past ClickHouse's 5 s forced exit.
    assert 0 < int(values["keep_alive_timeout"]) < 5


def test_a_cluster_node_lists_every_shard_and_its_own_macros():
    from kernel.chserver.config import ClusterMembership

    membership = ClusterMembership("festival", (("127.0.0.1:19001",), ("127.0.0.1:19002", "10.0.0.2:9000")),
                                   shard="2", replica="r1")
    root = ET.fromstring(render(ServerConfig(http_port=18123, tcp_port=19002, cluster=membership)))
    shards = root.findall("remote_servers/festival/shard")
    assert [[(r.findtext("host"), r.findtext("port")) for r in s.findall("replica")] for s in shards] == [
        [("127.0.0.1", "19001")], [("127.0.0.1", "19002"), ("10.0.0.2", "9000")]]
    assert all(s.findtext("internal_replication") == "true" for s in shards)
    assert (root.findtext("macros/shard"), root.findtext("macros/replica")) == ("2", "r1")
    assert ET.fromstring(render(ServerConfig(http_port=1, tcp_port=2))).find("remote_servers") is None
    assert root.find("remote_servers/festival/secret") is None
    with_secret = ClusterMembership("festival", (("127.0.0.1:19001",),), shard="1", replica="r1", secret="s3")
    assert "s3" not in repr(with_secret)
    rendered = ET.fromstring(render(ServerConfig(http_port=18123, tcp_port=19001, cluster=with_secret)))
    assert rendered.findtext("remote_servers/festival/secret") == "s3"


def test_local_users_have_passwords_and_default_is_the_host_sessions_alone():
    from pydantic import SecretStr

    from kernel.chserver.users import local_users
    from kernel.clickhouse_roles import Role

    root = ET.fromstring(local_users({role: SecretStr(f"pw-{role}") for role in Role}))
    users = {user.tag: user for user in root.find("users")}
    assert set(users) == {"default", "livefest_admin", "livefest_writer", "livefest_reader"}
    for name in ("livefest_admin", "livefest_writer", "livefest_reader"):
        assert len(users[name].findtext("password_sha256_hex") or "") == 64
        assert "pw-" not in ET.tostring(users[name], "unicode")
    grants = [q.text for q in users["default"].find("grants")]
    assert grants == ["GRANT SYSTEM LISTEN ON *.*", "GRANT SELECT ON system.numbers"]
    assert [ip.text for ip in users["default"].find("networks")] == ["127.0.0.1", "::1"]
    # The host's own session is default's only one: nobody else can log in as default.
    host_profile = users["default"].findtext("profile")
    assert host_profile != "default" and root.findtext(f"profiles/{host_profile}/max_sessions_for_user") == "1"
    assert root.find("profiles/default/max_sessions_for_user") is None, "the other users' profile is unlimited"
    profile = root.find("profiles/livefest_reader")
    # readonly=2: reads only, and settings only within the constraints (limits tightened, never loosened).
    assert profile.findtext("readonly") == "2"
    constraints = profile.find("constraints")
    for limit in ("max_execution_time", "max_memory_usage", "max_result_rows"):
        bounds = constraints.find(limit)
        # A positive minimum (0 is "no limit") and the profile's own value as the maximum.
        assert float(bounds.findtext("min")) > 0 and bounds.findtext("max") == profile.findtext(limit), limit
    for fixed in ("timeout_overflow_mode", "result_overflow_mode", "max_concurrent_queries_for_user"):
        assert constraints.find(f"{fixed}/const") is not None, fixed
