"""`livefest dlq`: list rejected messages and re-publish them after a fix.

Two dead-letter topics: `--dlq snapshots` (LIVEFEST_DLQ_TOPIC, the default) and
`--dlq topicstats` (LIVEFEST_TOPICSTATS_DLQ_TOPIC, hashtag readings). Each dead letter
carries the reason, the detail, the topic it came from and `value_b64`, the exact
original bytes (services/aggregator/batch.py DeadLetter). Re-publishing sends those
bytes, with the original key, back to the topic the record names as its origin; the
aggregator then treats them like any other message (a duplicate of something already
stored changes nothing).
"""

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import click

from kernel import kafka_admin, kafka_clients
from kernel.kafka_security import KafkaAccess
from kernel.settings import Settings, get_settings
from livefest import progress
from livefest.status import quiet_kafka

DLQS = ("snapshots", "topicstats")


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


def still_invalid(record: DeadLetterRecord, topicstats: bool = False) -> str | None:
    """The reason the current code would reject the message again, or None if it now passes
    (decoded as a hashtag reading when `topicstats`, else as a snapshot; judged as if
    appended now, as a re-published record would be)."""
    from datetime import UTC, datetime, timedelta

    from services.aggregator.decode import Rejected, decode, decode_topic_stats

    max_future = timedelta(seconds=get_settings().max_future_seconds)
    result = (decode_topic_stats if topicstats else decode)(record.value, datetime.now(UTC), max_future)
    return f"{result.reason}: {result.detail}" if isinstance(result, Rejected) else None


def dlq_topic(settings: Settings, which: str) -> str:
    return settings.topicstats_dlq_topic if which == "topicstats" else settings.dlq_topic


def origins(settings: Settings) -> dict[str, bool]:
    """The topics this deployment consumes, which a dead letter may go back to (True: hashtags)."""
    return {settings.snapshot_topic: False, settings.topicstats_topic: True}


def format_record(record: DeadLetterRecord, width: int = 100) -> str:
    detail = record.detail if len(record.detail) <= width else record.detail[: width - 1] + "…"
    key = record.key.decode("utf-8", "replace") if record.key else "-"
    return (
        f"{record.dlq_offset:>7}  {record.reason:<15} {record.topic}[{record.partition}]@{record.offset}"
        f"  key={key}  {record.rejected_at[:19]}\n         {detail}"
    )


def read_all(kafka: KafkaAccess, topic: str, timeout_s: float = 10.0) -> list[DeadLetterRecord]:
    """Every message the dead-letter topic holds now (reads to the current end, no group),
    with a progress bar on a terminal."""
    from kafka import TopicPartition

    kafka_admin.require(kafka)
    consumer = kafka_clients.consumer(kafka, enable_auto_commit=False, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        held = sum(ends[tp] - consumer.position(tp) for tp in tps)
        records: list[DeadLetterRecord] = []
        with progress.bar(f"reading {topic}", held) as bar:
            while any(consumer.position(tp) < ends[tp] for tp in tps):
                batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
                if not batch:
                    break
                for messages in batch.values():
                    records.extend(DeadLetterRecord.parse(m.offset, m.value) for m in messages)
                    bar.update(len(messages))
        return sorted(records, key=lambda r: r.dlq_offset)
    finally:
        consumer.close()


@click.group()
@click.option("--dlq", "which", type=click.Choice(DLQS), default="snapshots", show_default=True,
              help="Which dead-letter topic: rejected snapshots or rejected hashtag readings.")
@click.pass_context
def dlq(ctx: click.Context, which: str) -> None:
    """The dead-letter topics: rejected snapshots (default) and hashtag readings."""
    ctx.obj = which


@dlq.command("list")
@click.option("--reason", default=None, help="Only this reason (e.g. invalid_fields, not_json).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help="Show at most this many (newest last).")
@click.pass_obj
def list_command(which: str, reason: str | None, limit: int) -> None:
    """Show rejected messages: DLQ offset, reason, origin, key, detail."""
    quiet_kafka()
    settings = get_settings()
    topic = dlq_topic(settings, which)
    records = select(read_all(settings.kafka_access, topic), reason=reason)
    click.secho(f"{len(records)} dead letter(s) in {topic}", bold=True)
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
@click.argument("offsets", nargs=-1, type=click.IntRange(min=0))
@click.option("--all", "everything", is_flag=True, help="Every dead letter (optionally of --reason).")
@click.option("--reason", default=None, help="Only dead letters with this reason.")
@click.option("--force", is_flag=True, help="Also send messages the current code still rejects.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send nothing.")
@click.pass_obj
def republish_command(
    which: str, offsets: tuple[int, ...], everything: bool, reason: str | None, force: bool, dry_run: bool
) -> None:
    """Send dead letters at OFFSETS (or --all) back to the topic each came from, exact original bytes."""
    if not offsets and not everything:
        raise click.UsageError("give DLQ offsets (see `livefest dlq list`) or --all")
    quiet_kafka()
    settings = get_settings()
    chosen = select(read_all(settings.kafka_access, dlq_topic(settings, which)), offsets, reason)
    missing = set(offsets) - {r.dlq_offset for r in chosen}
    if missing:
        raise click.ClickException(f"no dead letter at offset(s) {sorted(missing)} (with that reason)")
    sending = [record for record in chosen if _sendable(record, origins(settings), force)]
    if dry_run:
        click.echo(f"would re-publish {len(sending)} message(s) to {_topics(sending)}")
        return
    from services.ingest.publisher import SnapshotPublisher

    publisher = SnapshotPublisher(settings.kafka_access, settings.snapshot_topic)
    try:
        for record in sending:
            publisher.publish_raw(record.key, record.value, record.topic)
        publisher.flush()
    finally:
        publisher.close()
    click.secho(f"re-published {len(sending)} message(s) to {_topics(sending)}", fg="green", bold=True)


def _sendable(record: DeadLetterRecord, known: dict[str, bool], force: bool) -> bool:
    """Whether to send it back: its origin is a topic this deployment consumes, and the
    current code accepts it (or --force); says why when not."""
    if record.topic not in known:
        click.secho(f"skip {record.dlq_offset}: it came from {record.topic!r}, which is neither "
                    f"LIVEFEST_SNAPSHOT_TOPIC nor LIVEFEST_TOPICSTATS_TOPIC ({', '.join(known)})", fg="yellow")
        return False
    problem = still_invalid(record, topicstats=known[record.topic])
    if problem and not force:
        click.secho(f"skip {record.dlq_offset}: still rejected ({problem[:100]}); --force sends it", fg="yellow")
        return False
    return True


def _topics(records: list[DeadLetterRecord]) -> str:
    return ", ".join(sorted({r.topic for r in records})) or "nothing"
