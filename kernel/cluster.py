"""The nodes a schema change or a rebuild must reach: every node of the store's cluster.

Reads and the aggregator's writes go through one node (the `Distributed` tables reach the
shards), but DDL acts on the node that runs it only, and a cluster without Keeper has no
`ON CLUSTER`. So `migrate` and `rebuild` connect to every node themselves: the nodes are
the connected node's `<remote_servers>` entry for LIVEFEST_CLICKHOUSE_CLUSTER
(`system.clusters`), and each node's HTTP port is asked of the node itself, through the
cluster (`clusterAllReplicas`, which numbers the nodes in `system.clusters`' order, over
the cluster's native port and with its credentials: its interserver `<secret>` passes the
asking user on, where `remote()` would log in as `default`). Every node is reached with
the connected store's scheme, user and password (a cluster shares its users). A node
that does not answer is a `ClusterError`: nothing is changed on some nodes only.
"""

from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlsplit, urlunsplit

from kernel.clickhouse import Store, StoreError, StoreUnavailable, quote, redact

NODES_SQL = """
    SELECT shard_num, replica_num, host_name, port FROM system.clusters
    WHERE cluster = {cluster:String} ORDER BY shard_num, replica_num
"""
# Each node's HTTP port, by its place in NODES_SQL's order; a node that is down is left out.
HTTP_PORTS_SQL = """
    SELECT _shard_num, getServerPort({listener:String}) FROM clusterAllReplicas({cluster:String}, system.one)
    SETTINGS skip_unavailable_shards = 1
"""


class ClusterError(RuntimeError):
    """A node of the cluster cannot be used as every node must be; the message says which and why."""


@dataclass(frozen=True)
class Node:
    shard: int
    replica: int
    address: str  # host:port of its native protocol, as <remote_servers> lists it
    store: Store


def nodes(store: Store, *, create_database: bool = False) -> list[Node]:
    """Every node of `store`'s cluster, connected and working in its database (created
    first on each node with `create_database`); the store itself when it has no cluster.
    ClusterError when a node does not answer."""
    if store.cluster is None:
        return [Node(1, 1, "this server", store)]
    server = store.in_database("system")  # the database may not exist yet
    rows = server.rows(NODES_SQL, {"cluster": store.cluster})
    if not rows:
        raise ClusterError(f"ClickHouse at {redact(store.dsn)} has no cluster {store.cluster} in its <remote_servers>: "
                           "check LIVEFEST_CLICKHOUSE_CLUSTER and the servers' configuration")  # fmt: skip
    listener = "https_port" if urlsplit(store.dsn).scheme == "https" else "http_port"
    try:
        ports = {int(n): int(port) for n, port in server.rows(HTTP_PORTS_SQL, {"listener": listener,
                                                                             "cluster": store.cluster})}
    except (StoreUnavailable, StoreError) as exc:
        raise ClusterError(f"the nodes of cluster {store.cluster} do not answer through {redact(store.dsn)} "
                           f"({str(exc).splitlines()[0][:300]}): start them, or fix <remote_servers>") from exc
    return [_connect(server, store.database, int(shard), int(replica), host, int(port), ports.get(n), create_database)
            for n, (shard, replica, host, port) in enumerate(rows, 1)]  # fmt: skip


def one_per_shard(every: list[Node]) -> list[Node]:
    """The first replica of each shard (a replicated shard's rows are on each of its replicas)."""
    return [next(group) for _, group in groupby(every, key=lambda node: node.shard)]


def _connect(store: Store, database: str, shard: int, replica: int, host: str, port: int,
             http_port: int | None, create_database: bool) -> Node:
    address = f"{host}:{port}"
    parts = urlsplit(store.dsn)
    try:
        if http_port is None:
            raise StoreUnavailable("it did not answer through the cluster")
        credentials = parts.netloc.rpartition("@")[0]
        dsn = urlunsplit(parts._replace(netloc=f"{credentials}@{host}:{http_port}" if credentials
                                        else f"{host}:{http_port}"))  # fmt: skip
        server = store.elsewhere(dsn)
        server.rows("SELECT 1")
        if create_database:
            server.command(f"CREATE DATABASE IF NOT EXISTS {quote(database)}")
    except (StoreUnavailable, StoreError) as exc:
        raise ClusterError(
            f"node {address} (shard {shard}, replica {replica}) of cluster {store.cluster} does not answer "
            f"({str(exc).splitlines()[0][:300]}). Schema changes and rebuilds need every node up: start it, "
            "or fix <remote_servers>"
        ) from exc
    return Node(shard, replica, address, server.in_database(database))

