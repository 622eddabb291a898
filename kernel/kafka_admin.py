"""Broker reachability and topic creation (kafka-python admin client)."""

import logging
import socket
import time

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from kernel import kafka_clients
from kernel.kafka_security import KafkaAccess
from kernel.settings import Settings

log = logging.getLogger(__name__)

START_HINT = "start the local broker with `scripts/kafka-local.sh start` (or `make broker-start`)"

# The topics adapters publish to take the broker's clock as each record's timestamp, so an
# adapter with a wrong clock cannot vouch for its own event times (contract section 1).
INBOUND = {"message.timestamp.type": "LogAppendTime"}
# The imports audit trail is kept for good (never deleted by age or size), broker-stamped.
AUDIT = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete",
         "message.timestamp.type": "LogAppendTime"}


# How long `require` waits for the broker to accept our credentials (it answers in milliseconds).
CREDENTIALS_CHECK_MS = 10_000


class BrokerUnavailable(RuntimeError):
    pass


def admin(kafka: KafkaAccess, timeout_s: float = 30.0) -> KafkaAdminClient:
    """An admin client, waiting up to `timeout_s` for the broker to accept connections.
    KafkaAuthFailed (one line) when the broker refuses the credentials."""
    deadline = time.monotonic() + timeout_s
    while not reachable(kafka.bootstrap):
        if time.monotonic() >= deadline:
            raise BrokerUnavailable(f"{kafka.describe()} is unreachable: {START_HINT}")
        time.sleep(0.5)
    try:
        return kafka_clients.admin(kafka, request_timeout_ms=10_000)
    except KafkaError as exc:
        raise BrokerUnavailable(f"{kafka.describe()} did not answer ({exc}): {START_HINT}") from exc


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


def require(kafka: KafkaAccess) -> None:
    """Fail at once, naming the setting, when no bootstrap server accepts a connection
    (instead of a client's long bootstrap timeout); with TLS or SASL configured, also when
    the broker refuses the credentials (KafkaAuthFailed, one line)."""
    if not reachable(kafka.bootstrap):
        raise BrokerUnavailable(f"{kafka.describe()} is unreachable: {START_HINT}")
    if kafka.security_protocol != "PLAINTEXT":
        kafka_clients.admin(kafka, bootstrap_timeout_ms=CREDENTIALS_CHECK_MS).close()


def ensure_topics(
    kafka: KafkaAccess,
    partitions: dict[str, int],
    timeout_s: float = 30.0,
    configs: dict[str, dict[str, str]] | None = None,
) -> None:
    """Create the topics that do not exist yet, with the given partition counts and configs;
    existing topics get the given configs set where they differ (other settings untouched)."""
    configs = configs or {}
    client = admin(kafka, timeout_s)
    try:
        existing = set(client.list_topics())
        missing = [
            NewTopic(name, n, 1, topic_configs=configs.get(name, {}))
            for name, n in partitions.items()
            if name not in existing
        ]
        if missing:
            try:
                client.create_topics(missing)
                log.info("created topics %s", ", ".join(t.name for t in missing))
            except TopicAlreadyExistsError:
                pass
        _enforce_configs(client, {name: c for name, c in configs.items() if name in existing and c})
    finally:
        client.close()


def ensure_pipeline_topics(settings: Settings, timeout_s: float = 30.0) -> None:
    """Every topic the pipeline reads or writes, the inbound ones with the broker's clock."""
    ensure_topics(
        settings.kafka_access,
        {
            settings.snapshot_topic: settings.topic_partitions,
            settings.dlq_topic: 1,
            settings.topicstats_topic: 1,
            settings.topicstats_dlq_topic: 1,
            settings.imports_topic: 1,
        },
        timeout_s,
        configs={settings.snapshot_topic: INBOUND, settings.topicstats_topic: INBOUND,
                 settings.imports_topic: AUDIT},
    )


def _enforce_configs(client: KafkaAdminClient, wanted: dict[str, dict[str, str]]) -> None:
    if not wanted:
        return
    described = client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted])
    # {'topic': {name: {key: {'value': …}}}}, listing the settings that differ from defaults.
    current = {name: {key: entry["value"] for key, entry in entries.items()}
               for name, entries in described.get("topic", {}).items()}
    changes = [
        ConfigResource(ConfigResourceType.TOPIC, name, configs={k: v for k, v in want.items()
                                                                if current.get(name, {}).get(k) != v})
        for name, want in wanted.items()
        if any(current.get(name, {}).get(k) != v for k, v in want.items())
    ]
    if changes:
        client.alter_configs(changes)
        log.info("set %s on %s", ", ".join(sorted({k for c in changes for k in c.configs})),
                 ", ".join(c.name for c in changes))
