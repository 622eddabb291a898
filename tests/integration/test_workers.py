"""Several aggregator workers in one consumer group (the production shape of `livefest up`):
one SIGKILLed mid-stream, its partitions move to the other, and every figure is still exact."""

import os
import signal
import threading
from pathlib import Path

from tests.support.checks import assert_api_matches
from tests.support.pipeline import Pipeline, publish_slowly, wait_until
from tests.support.scenario import messy

PARTITIONS = "livefest_aggregator_partitions_assigned"
REBALANCES = "livefest_aggregator_rebalances_total"


def test_a_worker_killed_mid_stream_hands_its_partitions_to_the_other(tmp_path: Path):
    scenario = messy(seed=61, sessions=60, polls=80)
    # The supervisor restarts the killed worker only after 120 s, so that the survivor is seen
    # alone with every partition; a short session timeout lets the group notice the death soon.
    pipeline = Pipeline(tmp_path, store="server", args=("up", "--no-simulator", "--restart-delay", "120"),
                        extra_env={"LIVEFEST_BATCH_SIZE": "100", "LIVEFEST_SESSION_TIMEOUT_SECONDS": "6"})
    try:
        pipeline.start()
        wait_until(lambda: all(pipeline.worker_metric(w, PARTITIONS) == 2 for w in pipeline.aggregators()), 60,
                   "the two workers to share the 4 partitions")
        publishing = threading.Thread(target=publish_slowly, args=(pipeline.publisher, scenario.snapshots))
        publishing.start()
        wait_until(pipeline.some_offsets_committed, 60, "the first committed offsets")

        victim, survivor = "aggregator-1", "aggregator-2"
        rebalances = pipeline.worker_metric(survivor, REBALANCES)
        os.kill(pipeline.aggregators()[victim]["pid"], signal.SIGKILL)
        assert publishing.is_alive(), "the kill did not land mid-stream"
        wait_until(lambda: pipeline.worker_metric(survivor, PARTITIONS) == 4, 60,
                   f"{survivor} to take over the partitions of {victim}")
        assert pipeline.worker_metric(survivor, REBALANCES) > rebalances

        publishing.join()
        wait_until(pipeline.consumed_offsets_caught_up, 120, f"{survivor} to catch up alone")
        assert pipeline.worker_metric(survivor, PARTITIONS) == 4, "the victim came back too early"
        assert_api_matches(pipeline.json, scenario)
        said = f"{victim}: exited unexpectedly (killed by SIGKILL); restarting in 120 s"
        assert said in pipeline.log_path.read_text(), "the supervisor did not say so on the terminal"
    finally:
        pipeline.close()
