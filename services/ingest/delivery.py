"""Moves spooled messages to Kafka, oldest first, and deletes them only once Kafka
acknowledged them (acks=all, idempotent producer, key = session_id / topic).

Runs in its own thread so polling never waits for the broker. kafka-python's producer
cannot even be constructed while no broker answers, so the producer is created lazily
and thrown away after any failure; the spool keeps everything meanwhile. After a
failure the unacknowledged tail is sent again: Kafka may then hold a message twice,
which the contract allows (identity `(session_id, observed_at)`), and per session the
order of first deliveries is the spool's order.
"""

import logging
import threading
import time

from kafka.errors import KafkaError

from kernel import kafka_admin
from kernel.kafka_clients import KafkaAuthFailed
from kernel.kafka_security import KafkaAccess
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import BrokerUnreachable, SnapshotPublisher
from services.ingest.spool import Spool, Spooled

log = logging.getLogger(__name__)
BATCH = 500
PRODUCER_OPTIONS = {
    "max_block_ms": 5_000,
    "request_timeout_ms": 5_000,
    "delivery_timeout_ms": 15_000,
    "reconnect_backoff_max_ms": 1_000,
}


class Delivery:
    def __init__(self, spool: Spool, kafka: KafkaAccess, default_topic: str, metrics: IngestMetrics) -> None:
        self.spool = spool
        self.kafka = kafka
        self.default_topic = default_topic
        self.metrics = metrics
        self._publisher: SnapshotPublisher | None = None
        self._wake = threading.Event()
        self.delivered = 0

    def wake(self) -> None:
        """Called after new messages were spooled: deliver them without waiting for the next tick."""
        self._wake.set()

    def run(self, stop: threading.Event, idle_s: float = 0.2) -> None:
        backoff = 0.5
        while not stop.is_set():
            batch = self.spool.oldest(BATCH)
            self.metrics.spool_depth.set(self.spool.depth())
            if not batch:
                self._wake.wait(idle_s)
                self._wake.clear()
                continue
            if self._send(batch):
                backoff = 0.5
            else:
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self.drain_once()
        self._drop_publisher(timeout=5)

    def drain_once(self) -> None:
        """Best effort before shutting down: deliver what is spooled if the broker answers now."""
        batch = self.spool.oldest(BATCH)
        while batch and self._send(batch):
            batch = self.spool.oldest(BATCH)

    def _send(self, batch: list[Spooled]) -> bool:
        publisher = self._connect()
        if publisher is None:
            return False
        futures = []
        try:
            for item in batch:
                futures.append(publisher.publish_raw(item.message.key, item.message.value, item.message.topic))
            publisher.flush(timeout=5)
        except (BrokerUnreachable, KafkaError) as exc:
            log.warning("Kafka did not acknowledge %d spooled message(s): %s; keeping them", len(batch), exc)
            self.metrics.delivery_failures.inc()
        acked = 0
        for future in futures:
            if not (future.is_done and future.succeeded()):
                break
            acked += 1
        if acked:
            now = time.time()
            for item in batch[:acked]:
                self.metrics.publish_latency.observe(max(0.0, now - item.spooled_at))
            self.spool.delete_through(batch[acked - 1].seq)
            self.metrics.published.inc(acked)
            self.delivered += acked
        if acked < len(batch):
            self._drop_publisher(timeout=0)
            return False
        return True

    def _connect(self) -> SnapshotPublisher | None:
        if self._publisher is not None:
            return self._publisher
        if not kafka_admin.reachable(self.kafka.bootstrap):
            self.metrics.delivery_failures.inc()
            return None
        try:
            self._publisher = SnapshotPublisher(self.kafka, self.default_topic, **PRODUCER_OPTIONS)
            log.info("connected to Kafka at %s; delivering the spool", self.kafka.describe())
        except KafkaAuthFailed as exc:  # kept in the spool until the credentials are fixed
            log.error("%s", exc)
            self.metrics.delivery_failures.inc()
            return None
        except (BrokerUnreachable, KafkaError) as exc:
            log.warning("Kafka at %s is not accepting producers yet: %s", self.kafka.describe(), exc)
            self.metrics.delivery_failures.inc()
            return None
        return self._publisher

    def _drop_publisher(self, timeout: float) -> None:
        if self._publisher is not None:
            try:
                self._publisher.close(timeout=timeout)
            except Exception as exc:  # a producer that failed may fail to close too; it is dropped anyway
                log.debug("closing the producer: %s", exc)
            self._publisher = None
