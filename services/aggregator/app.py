"""Creates the Faust app of the aggregator (no topics or agents here: see agent.py)."""

from kernel.settings import Settings
from services.aggregator.consumer import BatchApp


def create_app(settings: Settings) -> BatchApp:
    return BatchApp(
        settings.consumer_group,
        batch_size=settings.batch_size,
        batch_seconds=settings.batch_seconds,
        broker=[f"kafka://{server.strip()}" for server in settings.kafka.split(",")],
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
    )
