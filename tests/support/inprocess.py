"""Stand-ins for running adapters against the simulator in process: a clock the test
sets, and the spool's interface in memory (the unit tier touches no database)."""

from datetime import datetime

from schemas.snapshot import Snapshot
from services.ingest.spool import Message


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
