"""The users, settings profile and grants of kernel/clickhouse_roles.py as ClickHouse XML.

Two renderings of the same definition:
- the local server's users.xml (`local_users`): password hashes of the local passwords
  (kernel/chserver/credentials.py), loopback only, plus `default`, the host's own session;
- compose's deploy/clickhouse/users.d/livefest.xml (`compose_users`): passwords read from
  the container's environment (`from_env`), any network of the compose project, and
  ClickHouse's own `default` user removed. deploy/clickhouse/build_users.py writes that
  file; tests/unit/test_clickhouse_users.py fails when the two drift apart.

Why `default` stays on the local server: clickhouse-local (chdb) runs its own session (the
query that opens the listeners and keeps them open, kernel/chserver/host.py) as `default`
with an empty password, hard-wired (no setting, argument or configuration key changes that
user; a users.xml without it stops the host), and only that session can open the
listeners, so it needs `SYSTEM LISTEN`. Nobody else may use `default`: its profile allows
it one session at a time (`max_sessions_for_user = 1`), and the host's session holds that
one from before the listeners open until the server stops, so every login as `default`
over HTTP or the native protocol is refused (USER_SESSION_LIMIT_EXCEEDED) before it can
run anything. Its grants stay minimal (start the listeners, read `system.numbers` for the
keep-alive) in case that ever changes. Everything else the host does over the network
(readiness, the KILL QUERY that stops it) is done as livefest_admin.
"""

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import SecretStr

from kernel.clickhouse_roles import GRANTS, READER_CONSTRAINTS, READER_PROFILE, Role

LOOPBACK = ("127.0.0.1", "::1")
ANYWHERE = ("::/0",)
HOST_SESSION_GRANTS = ("GRANT SYSTEM LISTEN ON *.*", "GRANT SELECT ON system.numbers")
READER_PROFILE_NAME = "livefest_reader"
# `default`'s profile on the local server: the host's own session is its only one.
HOST_SESSION_PROFILE = "livefest_host_session"
HOST_SESSION_SETTINGS = {"max_sessions_for_user": 1}


@dataclass(frozen=True)
class Password:
    """How users.xml knows a password: its SHA-256 (local) or an environment variable (compose)."""

    tag: str
    text: str = ""
    from_env: str | None = None

    @classmethod
    def hashed(cls, password: SecretStr) -> "Password":
        return cls("password_sha256_hex", hashlib.sha256(password.get_secret_value().encode()).hexdigest())

    @classmethod
    def environment(cls, variable: str) -> "Password":
        return cls("password", from_env=variable)

    def element(self) -> ET.Element:
        element = ET.Element(self.tag, {"from_env": self.from_env} if self.from_env else {})
        element.text = self.text or None
        return element


def local_users(passwords: Mapping[Role, SecretStr]) -> str:
    """The local server's users.xml."""
    return _render({role: Password.hashed(pw) for role, pw in passwords.items()}, LOOPBACK, host_session=True)


def compose_users() -> str:
    """deploy/clickhouse/users.d/livefest.xml: each password from its LIVEFEST_CLICKHOUSE_*_PASSWORD."""
    return _render({role: Password.environment(role.password_variable) for role in Role}, ANYWHERE,
                   host_session=False)  # fmt: skip


def _render(passwords: Mapping[Role, Password], networks: Sequence[str], host_session: bool) -> str:
    root = ET.Element("clickhouse")
    root.append(ET.Comment(" livefest's ClickHouse users (kernel/clickhouse_roles.py, kernel/chserver/users.py) "))
    profiles = ET.SubElement(root, "profiles")
    if host_session:  # a users.xml of its own must declare what the server's defaults are
        ET.SubElement(profiles, "default")
        ET.SubElement(ET.SubElement(root, "quotas"), "default")
        host = ET.SubElement(profiles, HOST_SESSION_PROFILE)
        for name, value in HOST_SESSION_SETTINGS.items():
            ET.SubElement(host, name).text = str(value)
    reader = ET.SubElement(profiles, READER_PROFILE_NAME)
    for name, value in READER_PROFILE.items():
        ET.SubElement(reader, name).text = str(value)
    constraints = ET.SubElement(reader, "constraints")
    for name, bound in READER_CONSTRAINTS.items():
        constraint = ET.SubElement(constraints, name)
        if bound == "const":
            ET.SubElement(constraint, "const")
        else:
            assert isinstance(bound, dict)
            for edge, value in bound.items():
                ET.SubElement(constraint, edge).text = str(value)
    users = ET.SubElement(root, "users")
    if host_session:
        _user(users, "default", Password("password"), LOOPBACK, HOST_SESSION_PROFILE, grants=HOST_SESSION_GRANTS)
    else:
        ET.SubElement(users, "default", {"remove": "remove"})
    for role in Role:
        profile = READER_PROFILE_NAME if role is Role.READER else "default"
        _user(users, role.user, passwords[role], networks, profile, grants=GRANTS.get(role, ()),
              admin=role is Role.ADMIN)  # fmt: skip
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def _user(users: ET.Element, name: str, password: Password, networks: Sequence[str], profile: str, *,
          grants: Sequence[str] = (), admin: bool = False) -> None:  # fmt: skip
    user = ET.SubElement(users, name)
    user.append(password.element())
    listed = ET.SubElement(user, "networks")
    for network in networks:
        ET.SubElement(listed, "ip").text = network
    ET.SubElement(user, "profile").text = profile
    ET.SubElement(user, "quota").text = "default"
    if admin:
        # ClickHouse refuses `grants` beside access_management: without them the admin has every privilege.
        ET.SubElement(user, "access_management").text = "1"
        return
    granted = ET.SubElement(user, "grants")
    for grant in grants:
        ET.SubElement(granted, "query").text = grant
