"""The audit trail of county-report uploads: one `livefest.import.v1` record per upload
(schemas/import_record.py) appended to the topic `livefest.imports.v1` (kept for good),
read back whole by `livefest import --list`.

Why a Kafka topic: both doors (the API and `livefest import`) already hold producer
credentials and nothing more; a ClickHouse table would need a writer credential the API
does not have (least privilege). The record is appended after the answer is decided and
never changes it: when Kafka cannot take it (the same outage that makes a report 503),
the whole record is logged instead, so an operator still has it.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kafka import TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from kernel import kafka_clients
from kernel.kafka_security import KafkaAccess
from schemas.import_record import ImportRecord
from services.ingest.publisher import BrokerUnreachable, SnapshotPublisher

if TYPE_CHECKING:
    from services.ingest.county.report import Report

log = logging.getLogger(__name__)
OPTIONS = {"max_block_ms": 5_000, "request_timeout_ms": 5_000, "delivery_timeout_ms": 10_000}


def record_import(record: ImportRecord, kafka: KafkaAccess, topic: str, timeout_s: float = 10.0) -> bool:
    """Append `record` (key = the uploader's county) and wait for the ack; False, with the
    record in the log, when Kafka did not take it."""
    try:
        publisher = SnapshotPublisher(kafka, topic, linger_ms=0, **OPTIONS)
    except (BrokerUnreachable, KafkaError) as exc:
        log.error("import audit record not stored (%s); the record: %s", exc, record.to_json_bytes().decode())
        return False
    try:
        future = publisher.publish_raw(record.county.encode(), record.to_json_bytes())
        publisher.flush(timeout=timeout_s)
        if future.is_done and future.succeeded():
            return True
        log.error("import audit record not acknowledged; the record: %s", record.to_json_bytes().decode())
        return False
    except (BrokerUnreachable, KafkaError) as exc:
        log.error("import audit record not stored (%s); the record: %s", exc, record.to_json_bytes().decode())
        return False
    finally:
        publisher.close(timeout=5)


def read_imports(kafka: KafkaAccess, topic: str, timeout_s: float = 10.0,
                 progress: Callable[[int], None] | None = None) -> list[ImportRecord]:
    """Every record the topic holds now, oldest first (no consumer group, nothing committed);
    a message that is not a record is skipped with a warning."""
    consumer = kafka_clients.consumer(kafka, enable_auto_commit=False, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        records: list[ImportRecord] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
            if not batch:
                break
            for messages in batch.values():
                records.extend(r for r in map(_parse, messages) if r is not None)
                if progress:
                    progress(len(messages))
        return sorted(records, key=lambda r: r.at)
    finally:
        consumer.close()


def _parse(message) -> ImportRecord | None:  # type: ignore[no-untyped-def]
    try:
        return ImportRecord.model_validate(json.loads(message.value))
    except (ValueError, TypeError, ValidationError):
        log.warning("skipping %s@%s: not a livefest.import.v1 record", message.topic, message.offset)
        return None


def describe(via: str, scope: str | None, data: bytes | None, report: "Report | None", outcome: str, status: int,
             mapping: str = "", supplied: bool = False) -> ImportRecord:
    """The record of one upload: `data` None when the file was not read whole (too large,
    a broken request); rows counted from `report` when the file could be read."""
    rows = len(report.rows) if report is not None else 0
    refused = report.refused_rows if report is not None else 0
    if outcome == "forbidden" and report is not None:
        refused = rows
    return ImportRecord(
        at=ImportRecord.now(), via=via, county=scope or "open",  # type: ignore[arg-type]
        sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
        bytes=len(data) if data is not None else None,
        mapping=(report.mapping if report is not None else mapping)[:48], mapping_supplied=supplied,
        rows=rows, rows_accepted=rows if outcome == "published" else 0, rows_refused=refused,
        outcome=outcome, status=status,  # type: ignore[arg-type]
    )
