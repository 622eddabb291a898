"""The adapters' durable local spool and state (sqlite3 in LIVEFEST_DATA_DIR).

Every snapshot is written here before anything is sent to Kafka, and removed only
after Kafka acknowledged it, so snapshots taken while the broker is unreachable (or
while the adapter is being restarted) are delivered, in order, once it is back. The
same database keeps what a restarted adapter needs: closed days' figures of per-day
platforms, which sessions already delivered their final (`ended`) snapshot, the access
tokens and OAuth grants (services/ingest/tokens.py) and each credential's quota count.
Secrets live here, so the file is 0600 in a 0700 directory (SQLite gives its -wal and
-shm files the database file's mode).
"""

import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key BLOB,
    value BLOB NOT NULL,
    spooled_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class Spooled:
    seq: int
    message: Message
    spooled_at: float


class Spool:
    """Thread-safe; one connection guarded by a lock (writes are tiny and short)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        # It holds the platforms' OAuth grants: 0600 whatever the umask of the process (SQLite
        # gives its -wal and -shm files the database file's mode).
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)  # a spool made before it held secrets may be wider
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # WAL + synchronous=NORMAL: a committed write survives the process being killed.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._closed = False

    def put(self, messages: Iterable[Message], state: dict[str, str] | None = None) -> None:
        """Append messages and update state in one transaction."""
        now = time.time()
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO outbox (topic, key, value, spooled_at) VALUES (?, ?, ?, ?)",
                [(m.topic, m.key, m.value, now) for m in messages],
            )
            self._db.executemany(
                "INSERT INTO state (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                list((state or {}).items()),
            )

    def oldest(self, limit: int) -> list[Spooled]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, topic, key, value, spooled_at FROM outbox ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [Spooled(seq, Message(topic, key, value), at) for seq, topic, key, value, at in rows]

    def delete_through(self, seq: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE seq <= ?", (seq,))

    def depth(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def oldest_age(self, now: float) -> float:
        """Seconds the oldest unacknowledged message has waited (0 when empty or closed):
        what the spool alert watches, since a busy spool is deep but never old."""
        with self._lock:
            if self._closed:
                return 0.0
            row = self._db.execute("SELECT spooled_at FROM outbox ORDER BY seq LIMIT 1").fetchone()
        return max(0.0, now - row[0]) if row else 0.0

    def get(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def names(self, prefix: str) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name FROM state WHERE substr(name, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
        return {r[0] for r in rows}

    def set(self, name: str, value: str) -> None:
        self.put([], {name: value})

    def forget_state(self) -> None:
        """Drop the adapters' state (not the outbox): for a simulated festival started afresh."""
        with self._lock:
            self._db.execute("DELETE FROM state")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()
