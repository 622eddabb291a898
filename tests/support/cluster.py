"""A two-shard ClickHouse cluster on this machine: local servers from the chdb wheel
(kernel/chserver), each with its own data directory, free ports, and a generated config
whose `<remote_servers>` lists every node, with its `{shard}`/`{replica}` macros.

Every node has livefest's users with the same passwords (the tests log in as
livefest_admin) and the same interserver `<secret>`, so a node passes a query on to the
others as the user who asked it.

Not replicated: the Replicated engines need a Keeper and the interserver HTTP listener,
and clickhouse-local opens neither (deploy/README.md, "What was tried").
"""

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from kernel.chserver.config import ClusterMembership
from kernel.chserver.control import find_running, host_command, stop, wait_ready
from kernel.chserver.paths import ServerPaths
from kernel.clickhouse import Store
from kernel.clickhouse_roles import Role
from tests.support.pipeline import free_port

NAME = "festival"
SECRET = "festival-interserver-secret"
PASSWORDS = {role: f"{role.value}-password" for role in Role}
ADMIN = Role.ADMIN.user
# What every node's host process gets: the same users' passwords and the same secret.
NODE_ENV = {**{role.password_variable: password for role, password in PASSWORDS.items()},
            "LIVEFEST_CLICKHOUSE_CLUSTER_SECRET": SECRET}  # fmt: skip


@dataclass
class ClusterNode:
    shard: int
    data_dir: Path
    http_port: int = field(default_factory=free_port)
    tcp_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.tcp_port}"


class LocalCluster:
    """`shards` nodes, one replica each, forming cluster `festival`."""

    def __init__(self, workdir: Path, shards: int = 2, extra_config: str | None = None) -> None:
        """`extra_config`: XML inside <clickhouse>, for every node (config.d/, which ClickHouse
        merges into the generated config.xml)."""
        self.nodes = [ClusterNode(shard, workdir / f"node{shard}") for shard in range(1, shards + 1)]
        self.extra_config = extra_config

    def dsn(self, database: str, node: int = 0) -> str:
        """LIVEFEST_CLICKHOUSE for one node (the first by default), without credentials:
        `credentials_env` goes with it."""
        return f"{self.nodes[node].url}/{database}"

    def admin_dsn(self, database: str, node: int = 0) -> str:
        """A DSN with livefest_admin's user and password in it (for clients other than Store)."""
        return f"http://{ADMIN}:{PASSWORDS[Role.ADMIN]}@{self.nodes[node].address.split(':')[0]}:" \
               f"{self.nodes[node].http_port}/{database}"

    @staticmethod
    def credentials_env() -> dict[str, str]:
        """LIVEFEST_CLICKHOUSE_USER/_PASSWORD of a livefest process using the cluster (as livefest_admin)."""
        return {"LIVEFEST_CLICKHOUSE_USER": ADMIN, "LIVEFEST_CLICKHOUSE_PASSWORD": PASSWORDS[Role.ADMIN]}

    def store(self, node: int = 0, cluster: str | None = None) -> Store:
        """One node as livefest_admin; with `cluster`, as a process with LIVEFEST_CLICKHOUSE_CLUSTER sees it."""
        return Store(self.nodes[node].url, cluster=cluster, user=ADMIN, password=SecretStr(PASSWORDS[Role.ADMIN]))

    def membership(self, node: ClusterNode) -> ClusterMembership:
        return ClusterMembership(NAME, tuple((n.address,) for n in self.nodes), shard=str(node.shard), replica="r1",
                                 secret=SECRET)  # fmt: skip

    def start(self) -> "LocalCluster":
        for node in self.nodes:
            self.start_node(node, wait=False)
        for node in self.nodes:
            self._wait(node)
        return self

    def start_node(self, node: ClusterNode, wait: bool = True) -> None:
        paths = ServerPaths(node.data_dir)
        paths.home.mkdir(parents=True, exist_ok=True)
        if self.extra_config:
            (paths.home / "config.d").mkdir(exist_ok=True)
            (paths.home / "config.d" / "extra.xml").write_text(f"<clickhouse>{self.extra_config}</clickhouse>\n")
        with paths.log.open("ab") as log:
            node.process = subprocess.Popen(
                host_command(node.data_dir, node.http_port, node.tcp_port, self.membership(node)),
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, env={**os.environ, **NODE_ENV},
            )  # fmt: skip
        if wait:
            self._wait(node)

    def stop_node(self, node: ClusterNode) -> None:
        """A clean stop (SIGTERM, flushes and exits), as `livefest clickhouse stop` does."""
        stop(node.data_dir)
        if node.process is not None:
            node.process.wait(timeout=30)

    def close(self) -> None:
        for node in self.nodes:
            if find_running(node.data_dir) is not None:
                self.stop_node(node)
            elif node.process is not None and node.process.poll() is None:
                node.process.kill()
                node.process.wait()

    def _wait(self, node: ClusterNode) -> None:
        assert node.process is not None
        wait_ready(node.data_dir, node.process, timeout_s=120)
