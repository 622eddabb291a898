"""The hashtag-readings agent: the batch path (batch_agent.py) of `livefest.topicstats.v1`
into `topic_stats`. Readings do not move the snapshot watermark."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.aggregator.batch import Batch, Bounds, Record, build_topic_stats_batch
from services.aggregator.batch_agent import BatchAgent
from services.aggregator.consumer import BatchApp
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import write_topic_stats


class TopicStatsAggregator(BatchAgent):
    name = "aggregate_topicstats"
    write = staticmethod(write_topic_stats)

    def __init__(self, app: BatchApp, settings: Settings, store: Store, metrics: AggregatorMetrics) -> None:
        self.bounds = Bounds(late=timedelta(seconds=settings.late_bound_seconds),
                             future=timedelta(seconds=settings.max_future_seconds))
        super().__init__(app, app.topic(settings.topicstats_topic), app.topic(settings.topicstats_dlq_topic),
                         store, metrics, metrics.topicstats_consumed, metrics.topicstats_rejected,
                         writes_in_flight=settings.writes_in_flight)

    def build(self, messages: Sequence[Record], received_at: datetime) -> Batch:
        return build_topic_stats_batch(messages, self.bounds, received_at)
