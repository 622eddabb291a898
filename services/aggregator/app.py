"""Creates the Faust app of the aggregator (no topics or agents here: see agent.py)."""

import faust

from kernel.settings import Settings


def create_app(settings: Settings) -> faust.App:
    return faust.App(
        settings.consumer_group,
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
        # Let a whole batch be prefetched while the previous one is being written.
        stream_buffer_maxsize=2 * settings.batch_size,
        broker_max_poll_records=settings.batch_size,
        # A crashed worker's partitions move to the others after this long (default 60 s).
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
    )
