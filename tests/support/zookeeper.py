"""A real Apache ZooKeeper server for tests, from the jars `make install` fetched for the
Kafka broker (Kafka 3.9 ships ZooKeeper 3.8): a free port, a data directory of its own."""

import os
import re
import socket
import subprocess
import time
from pathlib import Path

from tests.support.pipeline import free_port

ROOT = Path(__file__).resolve().parents[2]


def kafka_jars() -> Path:
    """Where scripts/kafka-local.sh keeps the jars (LIVEFEST_KAFKA_JARS or its default)."""
    version = re.search(r"<version>(3[^<]*)</version>", (ROOT / "deploy/kafka/pom.xml").read_text())
    assert version, "deploy/kafka/pom.xml names no Kafka 3.x version"
    default = Path.home() / ".cache" / "livefest" / f"kafka-{version[1]}"
    return Path(os.environ.get("LIVEFEST_KAFKA_JARS", default)) / "lib"


class ZooKeeper:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.data = workdir / "zookeeper"
        self.log = workdir / "zookeeper.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60) -> "ZooKeeper":
        jars = kafka_jars()
        assert list(jars.glob("zookeeper-*.jar")), f"no ZooKeeper jar in {jars}: run `make install`"
        self.data.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["java", "-Xmx128m", "-XX:+UseSerialGC", "-cp", f"{jars}/*",
                 "org.apache.zookeeper.server.ZooKeeperServerMain", str(self.port), str(self.data)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while not self._answers():
            assert self.process.poll() is None, f"ZooKeeper exited; see {self.log}"
            assert time.monotonic() < deadline, f"ZooKeeper did not listen within {timeout_s:.0f} s; see {self.log}"
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False
