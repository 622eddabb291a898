"""The aggregator agent: batch, write to ClickHouse, then let Faust acknowledge.

Faust acknowledges a batch from `take_events` when the loop asks for the next one (or
when the agent raises), so the body never raises: invalid messages go to the
dead-letter topic, the write is retried inside until it succeeds, and only then does
the loop continue. concurrency=1 (faust-streaming #606: with more, acks can pass an
in-flight batch).
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import faust
from faust.types import EventT

from kernel.clickhouse import Store
from kernel.settings import Settings
from kernel.timeutil import from_micros
from services.aggregator import steps
from services.aggregator.batch import Batch, build_batch
from services.aggregator.lag import LagProbe
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import write_snapshots

log = logging.getLogger(__name__)

WATERMARK_SQL = "SELECT toUnixTimestamp64Micro(max(observed_at)) FROM session_newest"


class Aggregator:
    """Holds what the agent needs between batches: the store, metrics, the watermark."""

    def __init__(
        self, app: faust.App, settings: Settings, store: Store, metrics: AggregatorMetrics
    ) -> None:
        self.app = app
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.watermark: datetime | None = None
        self.snapshots = app.topic(settings.snapshot_topic, partitions=settings.topic_partitions)
        self.dead_letters = app.topic(settings.dlq_topic)
        self.late_bound = timedelta(seconds=settings.late_bound_seconds)
        app.agent(self.snapshots, name="aggregate", concurrency=1)(self.aggregate)
        self.lag = LagProbe(app, settings, metrics)

    async def aggregate(self, stream: faust.StreamT) -> None:
        await self._load_watermark()
        async for events in stream.take_events(
            self.settings.batch_size, within=self.settings.batch_seconds
        ):
            await self.handle(events)

    async def handle(self, events: list[EventT]) -> None:
        messages = [steps.message_of(event) for event in events]
        self.metrics.consumed.inc(len(messages))
        batch = build_batch(messages, self.watermark, self.late_bound, datetime.now(UTC))
        await steps.publish_dead_letters(self.dead_letters, batch, self.metrics.rejected)
        await steps.write_rows(write_snapshots, self.store, batch.rows, self.metrics)
        self._advance(batch)

    def _advance(self, batch: Batch) -> None:
        if batch.late:
            self.metrics.late.inc(batch.late)
        if batch.newest and (self.watermark is None or batch.newest > self.watermark):
            self.watermark = batch.newest
            self.metrics.watermark.set(batch.newest.timestamp())

    async def _load_watermark(self) -> None:
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(None, self.store.rows, WATERMARK_SQL)
        micros = rows[0][0] if rows else None
        if micros:
            self.watermark = from_micros(micros)

