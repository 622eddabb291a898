"""`livefest dlq`: list rejected snapshot messages and re-publish them after a fix.

Each dead letter carries the reason, the detail and `value_b64`, the exact original
bytes (services/aggregator/batch.py DeadLetter). Re-publishing sends those bytes, with
the original key, back to the snapshot topic; the aggregator then treats them like any
other message (a duplicate of something already stored changes nothing).
"""

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import click

from kernel.settings import get_settings
from livefest.status import quiet_kafka


@dataclass(frozen=True)
class DeadLetterRecord:
    dlq_offset: int
    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    rejected_at: str

    @classmethod
    def parse(cls, dlq_offset: int, raw: bytes) -> "DeadLetterRecord":
        body = json.loads(raw)
        key = base64.b64decode(body["key_b64"]) if body.get("key_b64") else body.get("key")
        return cls(
            dlq_offset=dlq_offset,
            reason=str(body.get("reason", "?")),
            detail=str(body.get("detail", "")),
            topic=str(body.get("topic", "?")),
            partition=int(body.get("partition", -1)),
            offset=int(body.get("offset", -1)),
            key=key.encode() if isinstance(key, str) else key,
            value=base64.b64decode(body.get("value_b64", "")),
            rejected_at=str(body.get("rejected_at", "")),
        )


def select(
    records: Iterable[DeadLetterRecord], offsets: Sequence[int] = (), reason: str | None = None
) -> list[DeadLetterRecord]:
    """Records at the given DLQ offsets (all when none given) and with `reason` (any when None)."""
    wanted = set(offsets)
    return [r for r in records if (not wanted or r.dlq_offset in wanted) and reason in (None, r.reason)]


def still_invalid(record: DeadLetterRecord) -> str | None:
    """The reason the current code would reject the message again, or None if it now passes
    (judged as if appended now, as a re-published record would be)."""
    from datetime import UTC, datetime, timedelta

    from services.aggregator.decode import Rejected, decode

    max_future = timedelta(seconds=get_settings().max_future_seconds)
    result = decode(record.value, datetime.now(UTC), max_future)
    return f"{result.reason}: {result.detail}" if isinstance(result, Rejected) else None


def format_record(record: DeadLetterRecord, width: int = 100) -> str:
    detail = record.detail if len(record.detail) <= width else record.detail[: width - 1] + "…"
    key = record.key.decode("utf-8", "replace") if record.key else "-"
    return (
        f"{record.dlq_offset:>7}  {record.reason:<15} {record.topic}[{record.partition}]@{record.offset}"
        f"  key={key}  {record.rejected_at[:19]}\n         {detail}"
    )


def read_all(bootstrap: str, topic: str, timeout_s: float = 10.0) -> list[DeadLetterRecord]:
    """Every message the dead-letter topic holds now (reads to the current end, no group)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        records: list[DeadLetterRecord] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
            if not batch:
                break
            for messages in batch.values():
                records.extend(DeadLetterRecord.parse(m.offset, m.value) for m in messages)
        return sorted(records, key=lambda r: r.dlq_offset)
    finally:
        consumer.close()


@click.group()
def dlq() -> None:
    """The dead-letter topic: rejected snapshot messages."""


@dlq.command("list")
@click.option("--reason", default=None, help="Only this reason (e.g. invalid_fields, not_json).")
@click.option("--limit", default=50, show_default=True, help="Show at most this many (newest last).")
def list_command(reason: str | None, limit: int) -> None:
    """Show rejected messages: DLQ offset, reason, origin, key, detail."""
    quiet_kafka()
    settings = get_settings()
    records = select(read_all(settings.kafka, settings.dlq_topic), reason=reason)
    click.secho(f"{len(records)} dead letter(s) in {settings.dlq_topic}", bold=True)
    if records:
        click.secho(f"{'offset':>7}  {'reason':<15} origin topic[partition]@offset  key  rejected at", dim=True)
    for record in records[-limit:]:
        click.echo(format_record(record))
    counts: dict[str, int] = {}
    for record in records:
        counts[record.reason] = counts.get(record.reason, 0) + 1
    if counts:
        click.echo("by reason: " + ", ".join(f"{r} {n}" for r, n in sorted(counts.items())))


@dlq.command("republish")
@click.argument("offsets", nargs=-1, type=int)
@click.option("--all", "everything", is_flag=True, help="Every dead letter (optionally of --reason).")
@click.option("--reason", default=None, help="Only dead letters with this reason.")
@click.option("--force", is_flag=True, help="Also send messages the current code still rejects.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send nothing.")
def republish_command(
    offsets: tuple[int, ...], everything: bool, reason: str | None, force: bool, dry_run: bool
) -> None:
    """Send dead letters at OFFSETS (or --all) back to the snapshot topic, exact original bytes."""
    if not offsets and not everything:
        raise click.UsageError("give DLQ offsets (see `livefest dlq list`) or --all")
    quiet_kafka()
    settings = get_settings()
    chosen = select(read_all(settings.kafka, settings.dlq_topic), offsets, reason)
    missing = set(offsets) - {r.dlq_offset for r in chosen}
    if missing:
        raise click.ClickException(f"no dead letter at offset(s) {sorted(missing)} (with that reason)")
    sending = []
    for record in chosen:
        problem = still_invalid(record)
        if problem and not force:
            click.secho(f"skip {record.dlq_offset}: still rejected ({problem[:100]}); --force sends it", fg="yellow")
        else:
            sending.append(record)
    if dry_run:
        click.echo(f"would re-publish {len(sending)} message(s) to {settings.snapshot_topic}")
        return
    from services.ingest.publisher import SnapshotPublisher

    publisher = SnapshotPublisher(settings.kafka, settings.snapshot_topic)
    try:
        for record in sending:
            publisher.publish_raw(record.key, record.value)
        publisher.flush()
    finally:
        publisher.close()
    click.secho(f"re-published {len(sending)} message(s) to {settings.snapshot_topic}", fg="green", bold=True)
