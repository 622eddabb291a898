"""The I/O steps of a batch, in the order that keeps acknowledgement safe: dead letters
published (each broker ack awaited), rows written, refused rows dead-lettered, and only
then the delivery acknowledged (by the caller)."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import faust
from prometheus_client import Counter
from tenacity import AsyncRetrying, wait_exponential_jitter

from kernel.clickhouse import Store
from services.aggregator.batch import DeadLetter, Record
from services.aggregator.consumer import Delivery
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import Row, Written

log = logging.getLogger(__name__)

Writer = Callable[[Store, Sequence[Row], AggregatorMetrics], Written]


def records_of(delivery: Delivery) -> list[Record]:
    """The delivery's records, as fetched (the pure batch code reads them as they are)."""
    return list(delivery)


async def publish_dead_letters(topic: faust.TopicT, letters: Sequence[DeadLetter], rejected: Counter) -> None:
    """Send every dead letter and wait for the broker's acks, retrying until they are all acked."""
    for letter in letters:
        rejected.labels(letter.rejected.reason).inc()
        log.warning(
            "rejected message %s[%d]@%d (%s): %s",
            letter.message.topic, letter.message.partition, letter.message.offset,
            letter.rejected.reason, letter.rejected.detail[:300],
        )
    if not letters:
        return
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(multiplier=0.2, max=10.0),
        before_sleep=lambda state: log.warning("dead-letter publish failed, retrying: %s", state.outcome),
    ):
        with attempt:
            sent = [await topic.send(key=letter.message.key, value=letter.to_json_bytes()) for letter in letters]
            await asyncio.gather(*sent)


async def write_rows(write: Writer, store: Store, rows: Sequence[Row], metrics: AggregatorMetrics) -> Written:
    """Run the (retrying, blocking) writer in a thread. When the worker stops meanwhile, the
    thread cannot be interrupted: wait for it before unwinding (so the store is not closed
    under it). The batch is then not acknowledged: it is read and written again after the
    restart, which the idempotent tables absorb."""
    if not rows:
        return Written()
    pending: asyncio.Future[Any] = asyncio.get_running_loop().run_in_executor(None, write, store, rows, metrics)
    try:
        written: Written = await asyncio.shield(pending)
        return written
    except asyncio.CancelledError:
        log.info("stopping: finishing the write of %d rows first", len(rows))
        await pending
        raise
