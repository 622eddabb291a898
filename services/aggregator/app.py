"""Creates the Faust app of the aggregator (no topics or agents here: see agent.py)."""

from typing import Any

import faust

from kernel.kafka_security import KafkaAccess
from kernel.settings import Settings
from services.aggregator.consumer import BatchApp


def broker_credentials(kafka: KafkaAccess) -> Any:
    """LIVEFEST_KAFKA's TLS and SASL settings as Faust's broker credentials (aiokafka's
    security_protocol, sasl_* and ssl_context), or None for a plaintext broker."""
    context = kafka.ssl_context()
    if kafka.uses_sasl:
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        return faust.SASLCredentials(username=kafka.sasl_username, password=password,
                                     ssl_context=context, mechanism=kafka.sasl_mechanism)  # fmt: skip
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_app(settings: Settings) -> BatchApp:
    kafka = settings.kafka_access
    return BatchApp(
        settings.consumer_group,
        batch_size=settings.batch_size,
        batch_seconds=settings.batch_seconds,
        broker=[f"kafka://{server}" for server in kafka.servers],
        broker_credentials=broker_credentials(kafka),
        value_serializer="raw",
        key_serializer="raw",
        topic_partitions=settings.topic_partitions,
        consumer_auto_offset_reset="earliest",
        # The API and /metrics are served elsewhere; Faust's own web server is not needed.
        web_enabled=False,
        datadir=str(settings.data_dir / "faust"),
        # No tables: all state lives in ClickHouse, derived from the snapshots.
        table_cleanup_interval=3600,
        producer_acks=-1,
        broker_commit_interval=1.0,
        # One fetch may fill a whole batch; the next is prefetched while it is written.
        broker_max_poll_records=settings.batch_size,
        # A crashed worker's partitions move to the others after this long (default 60 s).
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
        # The group notices partitions added to a topic only when a member refreshes its
        # metadata (default every 5 minutes): until then no worker reads them, and every
        # figure that lands there is missing. A metadata request every few seconds is cheap.
        consumer_metadata_max_age_ms=int(settings.partition_discovery_seconds * 1000),
    )
