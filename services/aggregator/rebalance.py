"""Makes rebalances visible: counts the assignments this worker receives and sets
`partitions_assigned` the moment one arrives (the lag probe refreshes it every 5 s).

When a worker dies, its partitions move to the others at the next rebalance; a survivor
then shows the rebalance counter going up and its assigned partitions growing.
"""

import logging
from typing import Any

import faust
from faust.types import TP

from kernel.settings import Settings
from services.aggregator.metrics import AggregatorMetrics

log = logging.getLogger(__name__)


class RebalanceObserver:
    def __init__(self, app: faust.App, settings: Settings, metrics: AggregatorMetrics) -> None:
        self.topic = settings.snapshot_topic
        self.metrics = metrics
        app.on_partitions_assigned.connect(self.assigned)

    async def assigned(self, sender: Any, assigned: set[TP], **_: Any) -> None:
        partitions = sorted(tp.partition for tp in assigned if tp.topic == self.topic)
        self.metrics.rebalances.inc()
        self.metrics.partitions_assigned.set(len(partitions))
        log.info("assigned %d partition(s) of %s: %s", len(partitions), self.topic, partitions)
