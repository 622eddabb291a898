"""LIVEFEST_API_KEYS: parsing, and finding the scope of a presented key (contract section 3).

A key is a secret: it never appears in an error message (entries are named by their
position), and a presented key is compared with every configured key in constant time
(`hmac.compare_digest`), never looked up in a dict, so neither the answer time nor an
early exit tells a caller how much of a key it guessed right.
"""

import hmac
from dataclasses import dataclass, field

from schemas.snapshot import COUNTIES

ALL = "all"


@dataclass(frozen=True)
class ApiKey:
    key: bytes = field(repr=False)
    scope: str  # `all` or a county code


@dataclass(frozen=True)
class ApiKeys:
    """The configured keys; empty means the API is open (local development only)."""

    keys: tuple[ApiKey, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys)

    def scope_of(self, presented: str) -> str | None:
        """The scope of `presented`, or None. Every configured key is compared, whatever matched."""
        found = self.identify(presented)
        return found[1] if found else None

    def identify(self, presented: str) -> tuple[int, str] | None:
        """(position in LIVEFEST_API_KEYS from 1, scope) of `presented`, or None; every
        configured key is compared, whatever matched. The position names a key in logs,
        limits and stream tickets without revealing it."""
        candidate = presented.encode("utf-8")
        found: tuple[int, str] | None = None
        for n, entry in enumerate(self.keys, start=1):
            if hmac.compare_digest(entry.key, candidate):
                found = (n, entry.scope)
        return found

    def scopes(self) -> list[str]:
        return [entry.scope for entry in self.keys]

    def first_with_scope(self, scope: str) -> str | None:
        """A key of that scope (for a local client such as `livefest status`), or None."""
        return next((entry.key.decode() for entry in self.keys if entry.scope == scope), None)


def parse_api_keys(spec: str) -> ApiKeys:
    """`key:scope,key:scope` -> ApiKeys; scope is `all` or a county code. A key may contain
    colons (the scope is what follows the last one). Errors name the entry by position."""
    keys: list[ApiKey] = []
    for n, item in enumerate(filter(None, (part.strip() for part in spec.split(","))), start=1):
        key, sep, scope = item.rpartition(":")
        if not sep or not key:
            raise ValueError(f"LIVEFEST_API_KEYS entry #{n} is not key:scope (the value is not shown: it is secret)")
        if scope != ALL and scope not in COUNTIES:
            raise ValueError(
                # The scope is not echoed either: a swapped `scope:key` would put the key there.
                f"LIVEFEST_API_KEYS entry #{n}: the scope after the last ':' must be 'all' or one of "
                f"{', '.join(COUNTIES)}"
            )
        keys.append(ApiKey(key.encode("utf-8"), scope))
    return ApiKeys(tuple(keys))
