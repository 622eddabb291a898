"""Which ClickHouse a process uses: the one place LIVEFEST_CLICKHOUSE is resolved.

- `http(s)://user:pass@host:port/db`: that server (an external one: `livefest up`
  starts none); with LIVEFEST_CLICKHOUSE_CLUSTER, one node of that cluster.
- `chdb:///path[?database=db]`: the embedded engine on that path, inside this process.
  One process per path, so `livefest up` then runs everything in one process (the
  smallest setups).
- unset (contract section 4: "an embedded chdb path under the data directory"): the
  data directory's own ClickHouse data, LIVEFEST_DATA_DIR/clickhouse. While a local
  server runs over it (`livefest up`, `livefest clickhouse start`), through that server
  over HTTP, since the engine belongs to the server's process; otherwise the embedded
  engine on the same path. The database is the one the latest `livefest up` recorded
  in the data directory (a simulated festival gets a new one per run), else `livefest`.

Credentials are kept apart from the DSN (`user`, `password`): LIVEFEST_CLICKHOUSE_USER and
LIVEFEST_CLICKHOUSE_PASSWORD (the password as it is, no URL-encoding) win over the DSN's
own. A server DSN names its user; the data directory's local server is entered as the
caller's role (kernel/clickhouse_roles.py) with the local passwords
(kernel/chserver/credentials.py): the API and reports as the reader, the aggregator as
the writer, migrations as the admin. The embedded engine has no users.
"""

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

from kernel.chserver import credentials
from kernel.chserver.control import RunningServer, find_running
from kernel.chserver.paths import ServerPaths
from kernel.clickhouse import redact
from kernel.clickhouse_roles import Role
from kernel.settings import Settings

DEFAULT_DATABASE = "livefest"
DATABASE_FILE = "clickhouse-database"  # under LIVEFEST_DATA_DIR, written by `livefest up`


class Kind(StrEnum):
    EXTERNAL = "external server"
    LOCAL_SERVER = "local server"
    EMBEDDED = "embedded engine"


@dataclass(frozen=True)
class StoreTarget:
    kind: Kind
    server_dsn: str  # the DSN without a database and without credentials
    database: str
    source: str  # why this store, for messages
    data_path: Path | None = None  # the ClickHouse data on this machine, when known
    user: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    cluster: str | None = None  # LIVEFEST_CLICKHOUSE_CLUSTER: the server is one node of this cluster

    @property
    def dsn(self) -> str:
        """The DSN with its database (never a password): what a child gets as LIVEFEST_CLICKHOUSE."""
        return with_database(self.server_dsn, self.database)

    def child_env(self) -> dict[str, str]:
        """The environment that makes a child process use this very store, as this user."""
        env = {"LIVEFEST_CLICKHOUSE": self.dsn}
        if self.user:
            env["LIVEFEST_CLICKHOUSE_USER"] = self.user
        if self.password is not None:
            env["LIVEFEST_CLICKHOUSE_PASSWORD"] = self.password.get_secret_value()
        if self.cluster:
            env["LIVEFEST_CLICKHOUSE_CLUSTER"] = self.cluster
        return env

    @property
    def embedded(self) -> bool:
        return self.kind is Kind.EMBEDDED

    def describe(self) -> str:
        user = f" as {self.user}" if self.user else ""
        node = f", a node of cluster {self.cluster}" if self.cluster else ""
        return f"ClickHouse database {self.database} at {redact(self.server_dsn)}{user} ({self.source}{node})"


def resolve(settings: Settings, database: str | None = None, role: Role = Role.READER) -> StoreTarget:
    """The store these settings mean (see the module docstring); `database` overrides the
    recorded one; `role` is who the caller is on the data directory's local server."""
    dsn = settings.clickhouse_dsn
    if dsn:
        server_dsn, named = split_database(dsn)
        if server_dsn.startswith("chdb:"):
            path = Path(server_dsn.removeprefix("chdb://").partition("?")[0])
            return StoreTarget(Kind.EMBEDDED, server_dsn, database or named, "LIVEFEST_CLICKHOUSE", path)
        bare, user, password = split_credentials(server_dsn)
        return StoreTarget(Kind.EXTERNAL, bare, database or named, "LIVEFEST_CLICKHOUSE",
                           user=settings.clickhouse_user or user,
                           password=settings.clickhouse_password or password,
                           cluster=settings.clickhouse_cluster)  # fmt: skip
    target = local(settings.data_dir, find_running(settings.data_dir), database or recorded_database(settings.data_dir))
    if target.kind is Kind.LOCAL_SERVER:
        target = as_role(target, settings, role)
    return target


def local(data_dir: Path, server: RunningServer | None, database: str) -> StoreTarget:
    """The data directory's own store: through its running local server, else embedded (no users)."""
    path = ServerPaths(data_dir).data
    if server is not None:
        source = f"the local server of {data_dir} (pid {server.pid})"
        return StoreTarget(Kind.LOCAL_SERVER, server.http_url, database, source, path)
    source = f"the data directory {data_dir}, no local server running"
    return StoreTarget(Kind.EMBEDDED, f"chdb://{path}", database, source, path)


def as_role(target: StoreTarget, settings: Settings, role: Role) -> StoreTarget:
    """The local server entered as `role` (LIVEFEST_CLICKHOUSE_USER/_PASSWORD, when set, win)."""
    if settings.clickhouse_user:
        return replace(target, user=settings.clickhouse_user, password=settings.clickhouse_password)
    password = credentials.passwords(settings.data_dir, credentials.chosen_in(settings))[role]
    return replace(target, user=role.user, password=password)


def split_credentials(server_dsn: str) -> tuple[str, str | None, SecretStr | None]:
    """(DSN without user and password, user, password), both URL-decoded."""
    parts = urlsplit(server_dsn)
    if "@" not in parts.netloc:
        return server_dsn, None, None
    host = parts.netloc.rpartition("@")[2]
    user = unquote(parts.username) if parts.username else None
    password = SecretStr(unquote(parts.password)) if parts.password is not None else None
    return urlunsplit(parts._replace(netloc=host)), user, password


def recorded_database(data_dir: Path) -> str:
    """The database the latest `livefest up` of this data directory used (`livefest` before any)."""
    try:
        name = (data_dir / DATABASE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return DEFAULT_DATABASE
    return name or DEFAULT_DATABASE


def record_database(data_dir: Path, database: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DATABASE_FILE).write_text(database + "\n", encoding="utf-8")


def split_database(dsn: str) -> tuple[str, str]:
    """(DSN without database, database): the path of an http(s) DSN, `?database=` of a chdb one."""
    if dsn.startswith("chdb:"):
        # By hand: urllib would rewrite chdb:///path as chdb:/path.
        base, _, query = dsn.partition("?")
        pairs = parse_qsl(query)
        rest = urlencode([(k, v) for k, v in pairs if k != "database"])
        return base + (f"?{rest}" if rest else ""), dict(pairs).get("database") or DEFAULT_DATABASE
    parts = urlsplit(dsn)
    named = parts.path.strip("/").split("/")[0] or DEFAULT_DATABASE
    return urlunsplit(parts._replace(path="")), named


def with_database(server_dsn: str, database: str) -> str:
    if server_dsn.startswith("chdb:"):
        return server_dsn + ("&" if "?" in server_dsn else "?") + urlencode({"database": database})
    return urlunsplit(urlsplit(server_dsn)._replace(path="/" + database))
