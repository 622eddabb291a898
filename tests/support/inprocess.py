"""Stand-ins for running adapters against the simulator in process: a clock the test
sets, the spool's interface in memory (the unit tier touches no database), and one
credential's client built the way `livefest ingest` builds it."""

import time
from datetime import datetime

import httpx

from schemas.snapshot import Snapshot
from services.ingest.adapters.api import PlatformApi
from services.ingest.client import PlatformClient
from services.ingest.config import PlatformConfig
from services.ingest.metrics import IngestMetrics
from services.ingest.runtime import credential_client
from services.ingest.spool import Message
from services.ingest.tokens import Tokens


class FixedClock:
    finished = False

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class MemorySpool:
    """The spool's interface, in memory (the unit tier touches no database)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.state: dict[str, str] = {}

    def put(self, messages: list[Message], state: dict[str, str] | None = None) -> None:
        self.messages += messages
        self.state.update(state or {})

    def names(self, prefix: str) -> set[str]:
        return {n for n in self.state if n.startswith(prefix)}

    def get(self, name: str) -> str | None:
        return self.state.get(name)

    def set(self, name: str, value: str) -> None:
        self.state[name] = value

    def snapshots(self) -> list[Snapshot]:
        return [Snapshot.model_validate_json(m.value) for m in self.messages]


def client_for(api: PlatformApi, account: PlatformConfig, http: httpx.AsyncClient, metrics: IngestMetrics,
               store: "MemorySpool", tokens: Tokens | None = None, label: str = "0",
               clock: FixedClock | None = None) -> PlatformClient:
    """A credential's client as the runtime builds it: the credential's shared token source
    (from `tokens`, a process's registry: one per test unless given) and its quota budget.
    With `clock`, the simulator's, time passes for the adapter as it does for the platform."""
    source = (tokens or Tokens(store)).stable_for(api, account)
    wall = (lambda: clock.now().timestamp()) if clock is not None else time.time
    return credential_client(api, account, http, metrics, source, store, label, account.client_id, wall)
