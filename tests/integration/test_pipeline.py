"""The whole path on the real broker and the real ClickHouse engine: messy stream in,
every API figure out equal to the truth computed from the contract."""

import json
import threading

import pytest

from tests.support.checks import assert_api_matches
from tests.support.pipeline import Pipeline, publish_slowly, wait_until
from tests.support.scenario import messy


def test_messy_stream_gives_exact_figures_and_dead_letters(pipeline: Pipeline):
    scenario = messy(seed=11, sessions=27, polls=40)
    pipeline.publish(scenario.snapshots)
    pipeline.publish_raw((b"bad", g) for g in scenario.garbage)

    wait_until(pipeline.consumed_offsets_caught_up, 90, "the aggregator to commit every offset")
    assert_api_matches(pipeline.json, scenario)

    letters = [json.loads(raw) for raw in pipeline.dead_letters(expected=len(scenario.garbage))]
    assert sorted(letter["reason"] for letter in letters) == ["invalid_fields", "invalid_fields", "not_json",
                                                                "wrong_schema"]
    assert {letter["value"].encode() for letter in letters} == set(scenario.garbage)
    assert all(letter["detail"] for letter in letters)
    assert pipeline.aggregator_metric("livefest_aggregator_snapshots_rejected_total", reason="not_json") == 1
    # Five snapshots arrive more than 10 minutes behind the watermark: counted, and still applied.
    assert pipeline.aggregator_metric("livefest_aggregator_snapshots_late_total") >= 1


@pytest.mark.parametrize("interrupt", ["kill", "stop"], ids=["SIGKILL", "SIGINT"])
def test_interrupted_mid_stream_and_restarted_gives_the_same_figures(make_pipeline, interrupt: str):
    scenario = messy(seed=12, sessions=60, polls=80)
    pipeline = make_pipeline(extra_env={"LIVEFEST_BATCH_SIZE": "100"})
    pipeline.start()
    publisher = pipeline.publisher
    publishing = threading.Thread(target=publish_slowly, args=(publisher, scenario.snapshots))
    publishing.start()
    wait_until(pipeline.some_offsets_committed, 60, "the first committed offsets")
    # Mid-stream: some batches written and committed, others written only (SIGKILL), or a
    # graceful stop that must finish its write before Faust acknowledges (SIGINT).
    getattr(pipeline, interrupt)()
    publishing.join()
    committed, end = (sum(column) for column in zip(*pipeline.committed_and_end_offsets(), strict=True))
    assert 0 < committed < end, "the kill did not land mid-stream"

    pipeline.start()
    wait_until(pipeline.consumed_offsets_caught_up, 120, "the restarted aggregator to catch up")
    assert_api_matches(pipeline.json, scenario)

