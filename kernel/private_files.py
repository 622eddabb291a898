"""Files only livefest can read: everything under LIVEFEST_DATA_DIR is created 0700
(directories) / 0600 (files).

The data directory holds the figures (ClickHouse's parts), session ids, the adapters'
spool (with platforms' OAuth grants), the local passwords and the logs: no other user of
the machine may read any of it, whatever ClickHouse or Kafka users it has.

- `restrict_umask()`, first thing in every livefest process (the `livefest` command, the
  local ClickHouse host, which is also the server: chdb runs in that process); the local
  broker's script sets `umask 077` itself (scripts/kafka-local.sh). Children inherit it.
- `open_to_others(data_dir)`: directories already there (made before this, or by hand)
  that let the group or others in; `warn_if_open(data_dir, log)` says so at start, with the
  command that fixes it. Nothing is changed behind the operator's back: a data directory
  on a shared volume may be wider on purpose.
"""

import logging
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
OTHERS = 0o077  # group and other permission bits
# How far down an existing data directory is checked at start (itself, its children and
# theirs: clickhouse/, clickhouse/store, kafka/logs, logs/, …) and at most how many
# directories: a start must stay quick however many parts ClickHouse keeps.
SCAN_DEPTH = 2
SCAN_LIMIT = 5000


def restrict_umask() -> int:
    """New files 0600 and directories 0700 from now on, in this process and its children;
    returns the previous umask."""
    return os.umask(PRIVATE_UMASK)


def open_to_others(data_dir: Path, depth: int = SCAN_DEPTH, limit: int = SCAN_LIMIT) -> list[tuple[Path, int]]:
    """(directory, mode) of each directory under `data_dir` (itself included, `depth` levels
    down, at most `limit` looked at) whose mode gives the group or others any access."""
    found: list[tuple[Path, int]] = []
    level, seen = [data_dir], 0
    for _ in range(depth + 1):
        below: list[Path] = []
        for directory in level:
            seen += 1
            if seen > limit:
                return found
            try:
                mode = stat.S_IMODE(directory.lstat().st_mode)
                children = sorted(Path(e.path) for e in os.scandir(directory) if e.is_dir(follow_symlinks=False))
            except OSError:  # gone, or not ours to read: nothing to report from here
                continue
            if mode & OTHERS:
                found.append((directory, mode))
            below.extend(children)
        level = below
    return found


def warn_if_open(data_dir: Path, log: logging.Logger) -> list[tuple[Path, int]]:
    """Log one warning when directories of `data_dir` are open to other users; returns them."""
    found = open_to_others(data_dir)
    if found:
        shown = ", ".join(f"{path} ({mode:04o})" for path, mode in found[:3])
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        log.warning(
            "LIVEFEST_DATA_DIR=%s: other users of this machine can read %s%s (the figures, the spool's grants, "
            "the local passwords): run `chmod -R go-rwx %s` (livefest creates everything 0700/0600)",
            data_dir, shown, more, data_dir,
        )
    return found
