"""`livefest rebuild --from-topic`: refill the raw stores from the Kafka topics' start.

The topics keep the whole festival (schemas/topics.md), so they are the replay source of
last resort when the raw tables themselves are lost. The raw tables and every derived
table are truncated, then each topic is read from its earliest offset up to the end
offsets seen when the rebuild started, through the aggregator's own pure decoding
(invalid messages are skipped: they are already in the dead-letter topics); the
materialized views refill the derived tables as the rows go in. On a cluster, every
node's local tables are truncated and the rows go through the Distributed tables
(synchronously: kernel/clickhouse.py's CLUSTER_SETTINGS). Rows keep their Kafka
partition and offset, so ties between deliveries break exactly as they did live.
Run it with the aggregator stopped: readers see partial figures until it finishes, and
if it is interrupted, run it again.
"""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from kafka import TopicPartition

from kernel import kafka_clients
from kernel.clickhouse import Store
from kernel.cluster import nodes
from kernel.kafka_security import KafkaAccess
from kernel.lag import OffsetReader, total_held
from kernel.layout import SINGLE, check
from kernel.settings import Settings
from livefest import progress
from livefest.rebuild import derived_tables
from services.aggregator.refill import Record, raw_tables

log = logging.getLogger(__name__)

BATCH = 5000


def read_topic(kafka: KafkaAccess, topic: str, batch: int = BATCH) -> Iterator[list[Record]]:
    """Every message of `topic` from the start to the end offsets as they are now."""
    consumer = kafka_clients.consumer(kafka, enable_auto_commit=False, consumer_timeout_ms=5000)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        chunk: list[Record] = []
        while pending:
            polled = consumer.poll(timeout_ms=1000, max_records=batch)
            for tp, records in polled.items():
                for r in records:
                    if r.offset < ends[tp]:
                        chunk.append(r)
                if consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
            if len(chunk) >= batch or (chunk and not pending):
                yield chunk
                chunk = []
            if not polled and pending:
                log.info("waiting for %s: %d partition(s) not read to the end", topic, len(pending))
    finally:
        consumer.close()


def topic_size(kafka: KafkaAccess, topic: str) -> int:
    """Messages the topic holds now (what a refill will read)."""
    reader = OffsetReader(kafka)
    try:
        return total_held(reader.offsets(topic))
    finally:
        reader.close()


def rebuild_from_topics(store: Store, settings: Settings) -> dict[str, int]:
    """Truncate raw and derived tables (on every node of a cluster), re-insert every valid
    message; rows per table (a progress bar per topic on a terminal)."""
    plan = raw_tables(settings)
    layout = check(store) or SINGLE
    for node in nodes(store):
        local = {t.target for t in derived_tables(node.store)} | {layout.local(s.table) for s in plan}
        for table in sorted(local):
            node.store.command(f"TRUNCATE TABLE {table}")
    written: dict[str, int] = {}
    for source in plan:
        written[source.table] = 0
        with progress.bar(f"refilling {source.table} from {source.topic}",
                          topic_size(settings.kafka_access, source.topic)) as bar:
            for records in read_topic(settings.kafka_access, source.topic):
                rows = source.rows(records, datetime.now(UTC))
                # A replicated table drops a block it has seen before as a duplicate, even after
                # the TRUNCATE, and the topic gives the same blocks again.
                store.insert(source.table, rows, source.columns, settings={"insert_deduplicate": 0})
                written[source.table] += len(rows)
                bar.update(len(records))
        log.info("%s: %d rows from %s", source.table, written[source.table], source.topic)
    return written
