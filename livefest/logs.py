"""Where `livefest up` logs: everything to a file under the data directory, warnings and
errors also to the terminal (which otherwise shows only the status lines), in the format
every livefest process uses (kernel/logs.py, LIVEFEST_LOG_FORMAT)."""

import logging
from pathlib import Path

from kernel import logs
from kernel.settings import Settings


def log_to_file(settings: Settings, path: Path) -> Path:
    """Send this process's logs (at the level the command line chose) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logs.configure(settings.log_format, logging.getLogger().level, "up", logfile=str(path))
    return path
