"""Stream tickets: what the big screen puts in its EventSource URL instead of its API key.

A browser's EventSource cannot send an Authorization header, so whatever opens the stream
travels in the URL, and URLs end up in access logs, proxies' logs and browser history. The
page therefore asks `POST /v1/stream-tickets` with its key (in the header) and opens
`GET /v1/stream?ticket=…` with what it gets: a short-lived value that opens that one
county's (or the city's) stream and nothing else. It is not a key: no other route accepts
it, it names no key, and it expires after LIVEFEST_API_STREAM_TICKET_SECONDS (a stream
opened with it may outlive it; streams end after LIVEFEST_API_STREAM_MAX_SECONDS, and the
page asks for a fresh ticket to reconnect).

A ticket is signed, not stored: `screen.holder.expires.mac`, the MAC an HMAC-SHA256 under a
secret derived from every configured key, so every API process with the same
LIVEFEST_API_KEYS accepts the tickets of the others (behind a load balancer), nobody who
lacks any of those keys can forge one, and changing the keys voids every ticket. `holder`
is the key's position in LIVEFEST_API_KEYS (`key-2`), which the stream limits count by.
Without keys (an open API, local development only) the secret is random per process.
"""

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from kernel.api_keys import ApiKeys
from schemas.snapshot import COUNTIES

MAX_CHARS = 200  # a ticket is about 60 characters; anything longer is not one
CITY = "-"  # the city's screen in a ticket (counties are their codes)
_HOLDER = re.compile(r"key-[1-9][0-9]{0,5}|open")
_LABEL = b"livefest stream ticket v1"


@dataclass(frozen=True)
class Ticket:
    screen: str | None  # the screen the stream shows: None for the city's, else a county code
    holder: str  # who asked: `key-N` (its position in LIVEFEST_API_KEYS) or `open` (no keys set)
    expires: int  # unix seconds


class Tickets:
    """Issues and checks tickets; `clock` (unix seconds) is injectable for tests."""

    def __init__(self, keys: ApiKeys, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        material = b"\0".join(entry.key for entry in keys.keys) if keys else secrets.token_bytes(32)
        self._secret = hmac.new(_LABEL, material, hashlib.sha256).digest()
        self.ttl_s = ttl_s
        self._clock = clock

    def issue(self, screen: str | None, holder: str) -> str:
        """A ticket for `screen` (None: the city's), asked for by `holder`, valid for ttl_s."""
        body = f"{screen or CITY}.{holder}.{int(self._clock()) + self.ttl_s}"
        return f"{body}.{self._mac(body)}"

    def redeem(self, ticket: str) -> Ticket | None:
        """The ticket's grant, or None when it is malformed, forged or expired."""
        if len(ticket) > MAX_CHARS or ticket.count(".") != 3:
            return None
        body, _, mac = ticket.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        screen, holder, expires = body.split(".")
        if not ((screen == CITY or screen in COUNTIES) and _HOLDER.fullmatch(holder) and expires.isdigit()):
            return None  # signed by us, so never; checked anyway before it is used
        if int(expires) < self._clock():
            return None
        return Ticket(None if screen == CITY else screen, holder, int(expires))

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()
