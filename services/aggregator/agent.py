"""The snapshot agent: the batch path (batch_agent.py) of `livefest.snapshots.v1`, plus the
watermark this worker has seen, which decides which snapshots count as late."""

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from kernel.clickhouse import Store
from kernel.settings import Settings
from kernel.timeutil import from_micros
from services.aggregator.batch import Batch, Bounds, Record, build_batch
from services.aggregator.batch_agent import BatchAgent
from services.aggregator.consumer import BatchApp
from services.aggregator.lag import LagProbe
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import write_snapshots

log = logging.getLogger(__name__)

# The store's watermark (migration 0008): the greatest min(observed_at, appended_at).
WATERMARK_SQL = "SELECT toUnixTimestamp64Micro(max(mark)) FROM lane_newest"


class Aggregator(BatchAgent):
    name = "aggregate"
    write = staticmethod(write_snapshots)

    def __init__(self, app: BatchApp, settings: Settings, store: Store, metrics: AggregatorMetrics) -> None:
        self.watermark: datetime | None = None
        self.bounds = Bounds(late=timedelta(seconds=settings.late_bound_seconds),
                             future=timedelta(seconds=settings.max_future_seconds))
        source = app.topic(settings.snapshot_topic, partitions=settings.topic_partitions)
        super().__init__(app, source, app.topic(settings.dlq_topic), store, metrics,
                         metrics.consumed, metrics.rejected, writes_in_flight=settings.writes_in_flight)
        self.lag = LagProbe(app, settings, metrics)


    def build(self, messages: Sequence[Record], received_at: datetime) -> Batch:
        return build_batch(messages, self.watermark, self.bounds, received_at)

    def seen(self, batch: Batch) -> None:
        if batch.late:
            self.metrics.late.inc(batch.late)
        if batch.newest and (self.watermark is None or batch.newest > self.watermark):
            self.watermark = batch.newest
            self.metrics.watermark.set(batch.newest.timestamp())

    async def prepare(self) -> None:
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(None, self.store.rows, WATERMARK_SQL)
        micros = rows[0][0] if rows else None
        if micros:
            self.watermark = from_micros(micros)
