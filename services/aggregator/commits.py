"""Times Faust's offset commits, so a batch's whole path is visible: the batch stages
(decode, dead_letters, write, ack) and the commit that follows its acknowledgement are all
in `livefest_aggregator_stage_seconds{stage}` (a Faust sensor: Faust calls it around each
commit it performs)."""

import time
from typing import Any

import faust
from prometheus_client import Histogram


class CommitTimer(faust.Sensor):
    def __init__(self, stage_seconds: Histogram, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.histogram = stage_seconds.labels("commit")

    def on_commit_initiated(self, consumer: Any) -> float:
        return time.perf_counter()

    def on_commit_completed(self, consumer: Any, state: Any) -> None:
        self.histogram.observe(time.perf_counter() - state)
