"""The aggregator SIGKILLed again and again at random moments while a messy stream with
poison is consumed: after the last restart every figure equals the truth, and every poison
message is in the dead-letter topic (at least once: a kill between publishing a dead
letter and acknowledging its batch republishes it)."""

import base64
import json
import random
import threading
import time

from tests.support.checks import assert_api_matches
from tests.support.pipeline import wait_until
from tests.support.poison import poison
from tests.support.scenario import messy

KILLS = 3


def test_killed_three_times_mid_stream_gives_the_truth(make_pipeline):
    rng = random.Random(61)
    scenario = messy(seed=61, sessions=40, polls=60)
    bad = poison()
    messages = [(s.session_id.encode(), s.to_json_bytes()) for s in scenario.snapshots]
    for key, value, _ in bad:
        messages.insert(rng.randrange(len(messages)), (key, value))
    pipeline = make_pipeline(extra_env={"LIVEFEST_BATCH_SIZE": "150"})
    pipeline.start()
    publisher = pipeline.publisher
    done, killed = threading.Event(), threading.Event()
    publishing = threading.Thread(target=_publish_slowly, args=(publisher, messages, done, killed))
    publishing.start()
    mid_stream = []
    try:
        for kill in range(KILLS):
            seen = sum(committed for committed, _ in pipeline.committed_and_end_offsets())
            wait_until(lambda: sum(c for c, _ in pipeline.committed_and_end_offsets()) > seen, 90,  # noqa: B023
                       f"progress before kill {kill + 1}")
            time.sleep(rng.uniform(0, 1.0))  # a random moment: mid-batch, mid-write, mid-commit
            pipeline.kill()
            mid_stream.append(not done.is_set())
            pipeline.start()
    finally:
        killed.set()
        publishing.join()
    assert all(mid_stream), f"a kill landed after the stream ended: {mid_stream}"
    wait_until(pipeline.consumed_offsets_caught_up, 180, "the restarted aggregator to catch up")
    assert_api_matches(pipeline.json, scenario)
    letters = [json.loads(raw) for raw in pipeline.dead_letters(expected=len(bad), timeout_s=30)]
    assert {(base64.b64decode(x["value_b64"]), x["reason"]) for x in letters} == {(v, r) for _, v, r in bad}


def _publish_slowly(publisher, messages, done, killed, chunk=25, pause_s=0.3):  # type: ignore[no-untyped-def]
    # The last chunks wait for the last kill: a restart of the production shape takes 15 s
    # or more on a loaded machine, and every kill must land while the stream still flows.
    held_back = len(messages) - 4 * chunk
    for i in range(0, len(messages), chunk):
        if i >= held_back:
            killed.wait(timeout=600)
        for key, value in messages[i : i + chunk]:
            publisher.publish_raw(key, value)
        publisher.flush()
        time.sleep(pause_s)
    done.set()
