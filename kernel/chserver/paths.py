"""Where the local ClickHouse server keeps things, all under LIVEFEST_DATA_DIR."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerPaths:
    """`data` is the same ClickHouse data the embedded engine opens (one store, two ways in)."""

    data_dir: Path

    @property
    def data(self) -> Path:
        return self.data_dir.resolve() / "clickhouse"

    @property
    def home(self) -> Path:
        """The host's working directory: clickhouse-local reads `./config.xml` from there."""
        return self.data_dir.resolve() / "clickhouse-server"

    @property
    def config(self) -> Path:
        return self.home / "config.xml"

    @property
    def users(self) -> Path:
        """users.xml, generated with config.xml (kernel/chserver/users.py)."""
        return self.home / "users.xml"

    @property
    def passwords(self) -> Path:
        """The generated local passwords (kernel/chserver/credentials.py), mode 0600."""
        return self.home / "passwords.json"

    @property
    def state(self) -> Path:
        """Written by the host once it answers, removed when it stops (see control.find_running)."""
        return self.home / "server.json"

    @property
    def log(self) -> Path:
        return self.home / "server.log"
