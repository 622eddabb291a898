"""The local server's passwords: from the settings, else generated once into the data directory.

`make run` needs no secret set up by hand: the first time a password is needed and its
LIVEFEST_CLICKHOUSE_<ROLE>_PASSWORD is unset, a random one is written to
LIVEFEST_DATA_DIR/clickhouse-server/passwords.json (mode 0600, created exclusively so two
processes starting at once agree) and the log says so. A password set in the environment
wins and is never written anywhere. The server hashes them into its users.xml at every
start; every other local process reads them here to log in as its role.
"""

import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from kernel.chserver.paths import ServerPaths
from kernel.clickhouse_roles import Role

log = logging.getLogger(__name__)


def passwords(data_dir: Path, chosen: Mapping[Role, SecretStr | None]) -> dict[Role, SecretStr]:
    """Every role's password: `chosen` (from the settings) where given, else the data directory's."""
    missing = [role for role in Role if chosen.get(role) is None]
    stored = _stored(ServerPaths(data_dir).passwords, missing) if missing else {}
    return {role: chosen.get(role) or SecretStr(stored[role.value]) for role in Role}


def chosen_in(settings: object) -> dict[Role, SecretStr | None]:
    """The passwords the settings choose (LIVEFEST_CLICKHOUSE_<ROLE>_PASSWORD), None where unset."""
    return {role: getattr(settings, f"clickhouse_{role.value}_password") for role in Role}


def _stored(path: Path, needed: list[Role]) -> dict[str, str]:
    """The stored passwords, generating the file (or the roles it lacks) when needed."""
    stored = _read(path)
    if all(role.value in stored for role in needed):
        return stored
    generated = {role.value: secrets.token_urlsafe(24) for role in needed if role.value not in stored}
    _write_new(path, {**generated, **stored}, replace=bool(stored))
    stored = _read(path)  # whoever created it first wins
    log.info("generated local ClickHouse passwords for %s into %s (mode 0600); set %s to choose them",
             ", ".join(Role(r).user for r in generated), path,
             " / ".join(Role(r).password_variable for r in generated))  # fmt: skip
    return stored


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path} is not a JSON object of passwords: delete it to generate new ones")
    return data


def _write_new(path: Path, values: dict[str, str], replace: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(values, file, indent=2)
    try:
        if replace:
            os.replace(partial, path)
        else:
            os.link(partial, path)  # fails if another process created it meanwhile
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)
