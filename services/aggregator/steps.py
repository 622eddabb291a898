"""The I/O steps both agents take for a batch, in the order that keeps acknowledgement
safe: dead letters published (broker ack awaited), rows written, and only then does the
agent return to Faust, which acknowledges the batch. Nothing here lets an exception
escape, since Faust would acknowledge the batch on the way out."""

import asyncio
import logging
from collections.abc import Callable, Sequence

import faust
from faust.types import EventT
from prometheus_client import Counter
from tenacity import AsyncRetrying, wait_exponential_jitter

from kernel.clickhouse import Store
from services.aggregator.batch import Batch, Message
from services.aggregator.metrics import AggregatorMetrics

log = logging.getLogger(__name__)

Writer = Callable[[Store, Sequence[tuple[object, ...]], AggregatorMetrics], None]


def message_of(event: EventT) -> Message:
    message = event.message
    return Message(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key if isinstance(message.key, bytes) else None,
        value=message.value if isinstance(message.value, bytes) else None,
    )


async def publish_dead_letters(topic: faust.TopicT, batch: Batch, rejected: Counter) -> None:
    """Send every dead letter of the batch and wait for the broker's acks, retrying."""
    for letter in batch.dead_letters:
        rejected.labels(letter.rejected.reason).inc()
        log.warning(
            "rejected message %s[%d]@%d (%s): %s",
            letter.message.topic, letter.message.partition, letter.message.offset,
            letter.rejected.reason, letter.rejected.detail,
        )
    if not batch.dead_letters:
        return
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(multiplier=0.2, max=10.0),
        before_sleep=lambda state: log.warning("dead-letter publish failed, retrying: %s", state.outcome),
    ):
        with attempt:
            sent = [
                await topic.send(key=letter.message.key, value=letter.to_json_bytes())
                for letter in batch.dead_letters
            ]
            await asyncio.gather(*sent)


async def write_rows(write: Writer, store: Store, rows: Sequence[tuple[object, ...]],
                     metrics: AggregatorMetrics) -> None:
    """Run the (retrying, blocking) writer in a thread; on shutdown, finish it first."""
    if not rows:
        return
    pending = asyncio.get_running_loop().run_in_executor(None, write, store, rows, metrics)
    try:
        await asyncio.shield(pending)
    except asyncio.CancelledError:
        # Faust acknowledges this batch as the agent unwinds, so the write must be done
        # first (a second signal still kills the process).
        log.info("stopping: finishing the write of %d rows first", len(rows))
        await pending
        raise
