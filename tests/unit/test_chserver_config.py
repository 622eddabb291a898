"""The local ClickHouse server's generated config.xml (kernel/chserver/config.py)."""

import xml.etree.ElementTree as ET

from kernel.chserver.config import ServerConfig, render


def test_listeners_on_this_machine_only_on_the_chosen_ports():
    root = ET.fromstring(render(ServerConfig(http_port=18123, tcp_port=19000)))
    assert root.tag == "clickhouse"
    values = {child.tag: child.text for child in root if isinstance(child.tag, str)}
    # No users or passwords yet: the server must not be reachable from other machines.
    assert values["listen_host"] == "127.0.0.1"
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
