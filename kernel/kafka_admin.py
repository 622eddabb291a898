"""Broker reachability and topic creation (kafka-python admin client)."""

import logging
import socket
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)

START_HINT = "start the local broker with `scripts/kafka-local.sh start` (or `make broker-start`)"


class BrokerUnavailable(RuntimeError):
    pass


def admin(bootstrap: str, timeout_s: float = 30.0) -> KafkaAdminClient:
    """An admin client, waiting up to `timeout_s` for the broker to accept connections."""
    deadline = time.monotonic() + timeout_s
    while not reachable(bootstrap):
        if time.monotonic() >= deadline:
            raise BrokerUnavailable(f"LIVEFEST_KAFKA={bootstrap} is unreachable: {START_HINT}")
        time.sleep(0.5)
    try:
        return KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=10_000)
    except KafkaError as exc:
        raise BrokerUnavailable(
            f"LIVEFEST_KAFKA={bootstrap} did not answer ({exc}): {START_HINT}"
        ) from exc


def reachable(bootstrap: str, timeout_s: float = 1.0) -> bool:
    """True when some bootstrap server accepts a TCP connection (a quick check, no protocol)."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
                return True
        except OSError:
            continue
    return False


def require(bootstrap: str) -> None:
    """Fail at once, naming the setting, when no bootstrap server accepts a connection
    (instead of a client's long bootstrap timeout)."""
    if not reachable(bootstrap):
        raise BrokerUnavailable(f"LIVEFEST_KAFKA={bootstrap} is unreachable: {START_HINT}")


def ensure_topics(bootstrap: str, partitions: dict[str, int], timeout_s: float = 30.0) -> None:
    """Create the topics that do not exist yet, with the given partition counts."""
    client = admin(bootstrap, timeout_s)
    try:
        existing = set(client.list_topics())
        missing = [NewTopic(name, n, 1) for name, n in partitions.items() if name not in existing]
        if missing:
            try:
                client.create_topics(missing)
                log.info("created topics %s", ", ".join(t.name for t in missing))
            except TopicAlreadyExistsError:
                pass
    finally:
        client.close()
