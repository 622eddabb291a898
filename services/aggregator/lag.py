"""Exports this worker's consumer lag and committed offset per partition (a Faust timer;
measuring runs off the loop).

Each worker reports only the partitions assigned to it, so the series of several workers
never overlap and `sum(livefest_aggregator_consumer_lag_messages)` is the group's lag.
A worker that is down reports nothing: the `up` series and its alert cover that case.
"""

import asyncio
import logging

import faust

from kernel.lag import OffsetReader, PartitionOffsets
from kernel.settings import Settings
from services.aggregator.metrics import AggregatorMetrics

log = logging.getLogger(__name__)

INTERVAL_S = 5.0


class LagProbe:
    def __init__(self, app: faust.App, settings: Settings, metrics: AggregatorMetrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self._reader: OffsetReader | None = None
        app.timer(interval=INTERVAL_S, name="livefest.lag")(self.measure)

    async def measure(self, *_: object) -> None:
        topic = self.settings.snapshot_topic
        try:
            assigned = sorted(tp.partition for tp in self.app.consumer.assignment() if tp.topic == topic)
            loop = asyncio.get_running_loop()
            offsets = await loop.run_in_executor(None, self._offsets, assigned)
        except Exception as exc:  # a failed measurement must never stop the worker
            log.warning("could not measure consumer lag: %s", exc)
            self.metrics.lag_probe_errors.inc()
            return
        self.metrics.partitions_assigned.set(len(assigned))
        # Partitions move between workers on rebalance: drop those no longer ours.
        self.metrics.consumer_lag.clear()
        self.metrics.committed_offset.clear()
        for o in offsets:
            self.metrics.consumer_lag.labels(str(o.partition)).set(o.lag)
            if o.committed is not None:
                self.metrics.committed_offset.labels(str(o.partition)).set(o.committed)

    def _offsets(self, partitions: list[int]) -> list[PartitionOffsets]:
        if self._reader is None:
            self._reader = OffsetReader(self.settings.kafka_access, self.settings.consumer_group)
        return self._reader.offsets(self.settings.snapshot_topic, partitions)
