"""The whole pipeline on a two-shard cluster (sharded, not replicated: see
tests/support/cluster.py), with the real broker: `livefest migrate --no-replication`
creates the schema on both nodes, `livefest up` (two aggregator processes and the API)
writes and reads through node 1, node 2 is stopped and started mid-stream, and then:
  - while node 2 was down, the workers' writes failed and their offsets stood still (the
    inserts are synchronous: nothing waits in node 1's distribution queue to be sent
    later), and every snapshot acknowledged by then is in the cluster afterwards;
  - every figure the API answers equals the truth (kernel/semantics.py);
  - each session's rows, state and closings live on one shard, and both shards hold some;
  - `livefest rebuild`, run while the workers keep running, changes no figure, and neither
    does `livefest rebuild --from-topic` once they are stopped (every node's tables
    truncated and refilled from the topics through the Distributed tables).
"""

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel.migrate import available
from tests.cluster.conftest import plain_store
from tests.engine.conftest import api_client
from tests.integration.test_clickhouse_outage import assert_written, committed
from tests.support.checks import assert_api_matches
from tests.support.cluster import NAME, LocalCluster
from tests.support.pipeline import LIVEFEST, Pipeline, publish_slowly, wait_until
from tests.support.scenario import messy

pytestmark = pytest.mark.integration

DATABASE = "livefest"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    """A cluster of its own: this test stops one of its nodes."""
    running = LocalCluster(tmp_path / "cluster").start()
    try:
        yield running
    finally:
        running.close()


def test_two_shards_one_stopped_and_started_mid_stream_every_figure_exact(tmp_path: Path, cluster: LocalCluster):
    scenario = messy(seed=71, sessions=60, polls=50)
    env = {"LIVEFEST_CLICKHOUSE": cluster.dsn(DATABASE), "LIVEFEST_CLICKHOUSE_CLUSTER": NAME,
           **cluster.credentials_env(), "LIVEFEST_BATCH_SIZE": "100"}
    pipeline = Pipeline(tmp_path, store="external", extra_env=env)
    try:
        created = livefest(pipeline, "migrate", "--no-replication")
        applied = f"{len(available())} migration(s) applied"
        assert applied in created and f"a node of cluster {NAME}" in created, created
        pipeline.start()
        publishing = threading.Thread(target=publish_slowly, args=(pipeline.publisher, scenario.snapshots),
                                      kwargs={"pause_s": 0.5})  # fmt: skip
        publishing.start()
        wait_until(pipeline.some_offsets_committed, 60, "the first committed offsets")

        cluster.stop_node(cluster.nodes[1])
        assert publishing.is_alive(), "node 2 did not stop mid-stream"
        acknowledged = assert_writes_wait_for_the_stopped_shard(pipeline, cluster)
        cluster.start_node(cluster.nodes[1])

        publishing.join()
        wait_until(pipeline.consumed_offsets_caught_up, 120, "the workers to catch up once node 2 is back")
        assert_written(pipeline, acknowledged, server=cluster.admin_dsn(DATABASE))
        assert_api_matches(pipeline.json, scenario)
        assert_each_session_on_one_shard(cluster)

        rebuilt = livefest(pipeline, "rebuild")
        assert "rebuilt lane_newest_local" in rebuilt, rebuilt
        assert_api_matches(pipeline.json, scenario)

        pipeline.stop()  # --from-topic runs with the aggregator stopped
        refilled = livefest(pipeline, "rebuild", "--from-topic")
        assert f"refilled snapshots with {len(scenario.snapshots)} rows" in refilled, refilled
        client = api_client(cluster.store(1, cluster=NAME).in_database(DATABASE))  # through node 2
        assert_api_matches(lambda path: client.get(path).raise_for_status().json(), scenario)
    finally:
        pipeline.close()


def assert_writes_wait_for_the_stopped_shard(pipeline: Pipeline, cluster: LocalCluster) -> dict[int, int]:
    """With a shard down, writes fail and are retried, and no offset moves; returns the
    offsets committed meanwhile."""
    errors = "livefest_aggregator_clickhouse_write_errors_total"
    wait_until(lambda: pipeline.aggregator_metric(errors) > 0, 60, "the workers to meet the stopped shard")
    # A batch written just before the stop may still be committed (commits run every
    # second, later for a worker the machine keeps waiting): the offsets must settle first.
    readings = [committed(pipeline)]

    def settled() -> bool:
        time.sleep(2)
        readings.append(committed(pipeline))
        return readings[-1] == readings[-2]

    wait_until(settled, 60, "the committed offsets to settle once every write fails")
    acknowledged = readings[-1]
    seen = pipeline.aggregator_metric(errors)
    wait_until(lambda: pipeline.aggregator_metric(errors) >= seen + 2, 60, "two more failed (retried) writes")
    assert committed(pipeline) == acknowledged, "offsets moved while a shard could not be written"
    first = plain_store(cluster, DATABASE, 0)
    queued = first.rows("SELECT count(), sum(data_files) FROM system.distribution_queue")[0]
    assert queued[1] in (0, None), f"rows wait in node 1's distribution queue: {queued}"
    return acknowledged


def assert_each_session_on_one_shard(cluster: LocalCluster) -> None:
    shards: list[dict[str, set[str]]] = []
    for node in range(2):
        local = plain_store(cluster, DATABASE, node)
        shards.append({table: {r[0] for r in local.rows(f"SELECT DISTINCT session_id FROM {table}")}
                       for table in ("snapshots_local", "lane_newest_local", "lane_closings_local",
                                     "session_claims_local")})
    for node, tables in enumerate(shards):
        raw = tables["snapshots_local"]
        assert raw and all(sessions == raw for sessions in tables.values()), node
    assert not shards[0]["snapshots_local"] & shards[1]["snapshots_local"]


def livefest(pipeline: Pipeline, *args: str) -> str:
    done = subprocess.run([str(LIVEFEST), *args], env=pipeline.env, cwd=pipeline.workdir, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, f"livefest {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout
