"""The batch path of one topic: decode, dead letters, write, then acknowledge.

Each `Delivery` (a batch of records, see consumer.py) goes through, in this order:
  1. decode: pure and total, every record becomes a row or a dead letter (batch.py);
  2. dead letters published, the broker's ack awaited, retried until acked;
  3. rows written to ClickHouse, retried until stored (writer.py); rows ClickHouse refuses
     for their values are dead-lettered as `store_rejected`;
  4. the delivery acknowledged, so Faust's commit loop may move the offsets past it.

Decoding runs on the event loop, one delivery after the other; steps 2-3 of up to
`writes_in_flight` deliveries run at once (the writes in threads, ClickHouse on the other
core), so the loop decodes the next delivery instead of waiting for an insert.

How "never commit past an unwritten record" is guaranteed: nothing is acknowledged before
step 4, and step 4 runs in delivery order: a delivery is acknowledged only once it is
stored and every delivery before it has been acknowledged (inflight.py), so acknowledgements
follow the offsets; a commit covers only acknowledged offsets (consumer.py). If anything
unexpected raises on the way (a bug: no message content can, see decode.py), the worker
is halted at once: the consumer acknowledges and commits nothing more (not even a later
delivery already stored), and the worker stops with an error, so its supervisor restarts
it from the last commit (crash-only). A stop (Ctrl-C, SIGTERM, rebalance) while deliveries
are in flight leaves them all unacknowledged; they are read again, and writing them twice
changes no figure.
"""

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import faust
from prometheus_client import Counter

from kernel.clickhouse import Store
from kernel.layout import check
from services.aggregator import steps
from services.aggregator.batch import Batch, DeadLetter, Message, Record
from services.aggregator.consumer import BatchApp, Delivery
from services.aggregator.decode import Rejected
from services.aggregator.inflight import InFlight
from services.aggregator.metrics import AggregatorMetrics

log = logging.getLogger(__name__)

T = TypeVar("T")

# Records decoded between two returns to the event loop (~15 ms of work on an idle core).
DECODE_CHUNK = 2_000


class BatchAgent:
    """Subclasses say how to build a batch, how to write it, and what follows a write."""

    name: str
    write: steps.Writer  # a staticmethod in subclasses

    def __init__(self, app: BatchApp, source: faust.TopicT, dead_letters: faust.TopicT, store: Store,
                 metrics: AggregatorMetrics, consumed: Counter, rejected: Counter, *, writes_in_flight: int) -> None:
        self.app = app
        self.writes_in_flight = writes_in_flight
        self.store = store
        self.halted = False
        self.metrics = metrics
        self.dead_letters = dead_letters
        self.consumed = consumed
        self.rejected = rejected
        app.agent(app.batch_channel(source), name=self.name, concurrency=1)(self.run)

    def build(self, messages: Sequence[Record], received_at: datetime) -> Batch:
        raise NotImplementedError

    def seen(self, batch: Batch) -> None:
        """What follows decoding a batch (the snapshot agent moves its watermark)."""

    async def prepare(self) -> None:
        """What the agent needs before its first batch (the snapshot agent loads its watermark)."""

    async def run(self, stream: faust.StreamT) -> None:
        """Decode each delivery while earlier ones are being stored, and acknowledge them in
        delivery order (see the module docstring)."""
        in_flight = InFlight(self.writes_in_flight, on_failure=self.halt)
        try:
            # Before anything is written: a worker that took a cluster's Distributed tables
            # for one server's would acknowledge rows the shards do not hold yet.
            await asyncio.get_running_loop().run_in_executor(None, check, self.store)
            await self.prepare()
            idle_since: float | None = None
            async for delivery in stream:
                if idle_since is not None:  # the agent had nothing to do: the consumer set the pace
                    self.metrics.stage_seconds.labels("delivery_wait").observe(time.perf_counter() - idle_since)
                batch = await self.decode(delivery)
                # Waits while `writes_in_flight` writes are running: the time the event loop
                # sits idle because the writes, not the decoding, set the pace.
                await Stages(self.metrics).wait("write_wait", in_flight.add(
                    self.persist(batch), functools.partial(self.acknowledge, delivery)))
                idle_since = time.perf_counter()
            await in_flight.drain()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # crash-only: see the module docstring
            await self.halt(exc)
            raise
        finally:
            await in_flight.cancel()  # a stop: nothing still in flight is acknowledged

    async def decode(self, delivery: Delivery) -> Batch:
        """Decode a delivery DECODE_CHUNK records at a time, giving the event loop back in
        between: meanwhile the consumer gathers the next delivery and finished writes are
        acknowledged, instead of waiting for the whole delivery to be decoded. The chunks are
        decoded in order, each from the watermark the one before left (`seen`), so the rows,
        dead letters and late counts are those of decoding the delivery at once."""
        records = steps.records_of(delivery)
        self.consumed.inc(len(records))
        received_at = datetime.now(UTC)
        timed, batch = Stages(self.metrics), Batch()
        for start in range(0, len(records), DECODE_CHUNK):
            chunk = records[start:start + DECODE_CHUNK]
            part = timed("decode", lambda chunk=chunk: self.build(chunk, received_at))  # type: ignore[misc]
            self.seen(part)
            batch.extend(part)
            if start + DECODE_CHUNK < len(records):
                await asyncio.sleep(0)
        return batch

    async def persist(self, batch: Batch) -> None:
        """Dead letters, then the rows, then the refused rows' dead letters (the caller
        acknowledges afterwards, in order)."""
        timed = Stages(self.metrics)
        await timed.wait("dead_letters", steps.publish_dead_letters(self.dead_letters, batch.dead_letters,
                                                                    self.rejected))
        written = await timed.wait("write", steps.write_rows(self.write, self.store, batch.rows, self.metrics))
        if written.refused:
            now = datetime.now(UTC)
            refused = [DeadLetter(Message.of(batch.messages[i]), Rejected("store_rejected", why), now)
                       for i, why in sorted(written.refused.items())]
            await timed.wait("dead_letters", steps.publish_dead_letters(self.dead_letters, refused, self.rejected))

    def acknowledge(self, delivery: Delivery) -> None:
        Stages(self.metrics)("ack", lambda: self.app.batch_consumer.ack_delivery(delivery))

    async def halt(self, exc: BaseException) -> None:
        if self.halted:
            return
        self.halted = True
        log.critical("%s: unexpected error in the batch path, stopping without committing", self.name,
                     exc_info=exc)
        self.app.batch_consumer.halt(exc)
        await self.app.crash(exc)


class Stages:
    """Times each stage of a batch into `livefest_aggregator_stage_seconds{stage}`."""

    def __init__(self, metrics: AggregatorMetrics) -> None:
        self.histogram = metrics.stage_seconds

    def __call__(self, stage: str, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return work()
        finally:
            self.histogram.labels(stage).observe(time.perf_counter() - started)

    async def wait(self, stage: str, work: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            return await work
        finally:
            self.histogram.labels(stage).observe(time.perf_counter() - started)
