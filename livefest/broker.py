"""Starts and stops the repo's local Kafka broker (scripts/kafka-local.sh)."""

import os
import subprocess
from pathlib import Path

from kernel.settings import Settings

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kafka-local.sh"
LOCAL_ADDRESSES = ("127.0.0.1:", "localhost:")


def is_local(settings: Settings) -> bool:
    return settings.kafka.startswith(LOCAL_ADDRESSES) and "," not in settings.kafka


def run_script(command: str, settings: Settings) -> None:
    if not SCRIPT.exists():
        raise RuntimeError(f"{SCRIPT} is missing: run livefest from a checkout of the repository")
    env = {
        **os.environ,
        "LIVEFEST_DATA_DIR": str(settings.data_dir),
        "LIVEFEST_KAFKA_PORT": settings.kafka.rsplit(":", 1)[1],
    }
    subprocess.run(["bash", str(SCRIPT), command], check=True, env=env)
