"""The hashtag-readings agent: batch, write `topic_stats`, then let Faust acknowledge.

The same discipline as the snapshot agent (agent.py), through the same steps (steps.py):
the body never raises, invalid messages go to their dead-letter topic (with the broker's
ack awaited), the write is retried inside until ClickHouse accepts it, concurrency=1.
"""

import logging
from datetime import UTC, datetime

import faust
from faust.types import EventT

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.aggregator import steps
from services.aggregator.batch import build_topic_stats_batch
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import write_topic_stats

log = logging.getLogger(__name__)


class TopicStatsAggregator:
    def __init__(
        self, app: faust.App, settings: Settings, store: Store, metrics: AggregatorMetrics
    ) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.readings = app.topic(settings.topicstats_topic)
        self.dead_letters = app.topic(settings.topicstats_dlq_topic)
        app.agent(self.readings, name="aggregate_topicstats", concurrency=1)(self.aggregate)

    async def aggregate(self, stream: faust.StreamT) -> None:
        async for events in stream.take_events(
            self.settings.batch_size, within=self.settings.batch_seconds
        ):
            await self.handle(events)

    async def handle(self, events: list[EventT]) -> None:
        messages = [steps.message_of(event) for event in events]
        self.metrics.topicstats_consumed.inc(len(messages))
        batch = build_topic_stats_batch(messages, datetime.now(UTC))
        await steps.publish_dead_letters(self.dead_letters, batch, self.metrics.topicstats_rejected)
        await steps.write_rows(write_topic_stats, self.store, batch.rows, self.metrics)
