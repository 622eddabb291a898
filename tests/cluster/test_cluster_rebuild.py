"""`livefest rebuild` on a two-shard cluster: every shard's derived tables are rebuilt (not
only the connected node's), damaged ones are repaired, readers never see them empty or
partial while it runs, and rows written meanwhile are all counted afterwards."""

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from livefest.rebuild import derived_tables, rebuild
from services.aggregator.rows import SNAPSHOT_COLUMNS
from tests.cluster.conftest import plain_store
from tests.engine.test_report import insert_readings
from tests.support.checks import assert_api_matches
from tests.support.cluster import LocalCluster
from tests.support.hashtag_scenario import messy_readings
from tests.support.scenario import Scenario, messy, stored_rows
from tests.support.specials_truth import expected_specials


def rows_of(scenario: Scenario, first_offset: int = 0) -> list[tuple[Any, ...]]:
    return stored_rows(scenario.snapshots, first_offset=first_offset)


def test_rebuild_repairs_every_shards_derived_tables(cluster: LocalCluster, store: Store, client: TestClient):
    scenario = messy(seed=17, sessions=24, polls=16)
    readings = messy_readings(seed=17, polls=10)
    store.insert("snapshots", rows_of(scenario), SNAPSHOT_COLUMNS)
    insert_readings(store, readings)
    # Lost derived rows on both shards (e.g. views that missed inserts).
    plain_store(cluster, store.database, 1).command("TRUNCATE TABLE lane_newest_local")
    plain_store(cluster, store.database, 0).command("TRUNCATE TABLE lane_closings_local")
    plain_store(cluster, store.database, 0).command("TRUNCATE TABLE topic_state_local")

    rebuilt = rebuild(store)

    assert {t.target for t in rebuilt} == {"lane_newest_local", "lane_closings_local", "session_claims_local",
                                           "topic_state_local"}
    assert_api_matches(lambda path: _ok(client, path), scenario)
    assert _ok(client, "/v1/specials") == expected_specials(scenario, readings)
    for node in range(2):
        local = plain_store(cluster, store.database, node)
        left = local.rows("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%rebuild%'")
        assert left == [], node  # shadows swapped in and dropped
        assert {t.target for t in derived_tables(local)} == {t.target for t in rebuilt}, node


def test_readers_never_see_partial_figures_and_writes_during_the_rebuild_all_count(
    store: Store, client: TestClient
):
    scenario = messy(seed=29, sessions=30, polls=30)
    rows = rows_of(scenario)
    half = len(rows) // 2
    store.insert("snapshots", rows[:half], SNAPSHOT_COLUMNS)
    (sessions_before, _), = store.rows("SELECT count(), sum(gmv_fen) FROM session_latest")
    rebuilding, done = threading.Event(), threading.Event()
    seen: list[tuple[int, int]] = []
    written_while_rebuilding = 0

    reader = store.elsewhere(store.dsn).in_database(store.database)  # a connection of its own

    def read() -> None:
        while not done.is_set():
            seen.extend(reader.rows("SELECT count(), sum(gmv_fen) FROM session_latest"))

    def write() -> None:
        nonlocal written_while_rebuilding
        for i in range(half, len(rows), 25):
            store.insert("snapshots", rows[i : i + 25], SNAPSHOT_COLUMNS)
            if rebuilding.is_set() and not done.is_set():
                written_while_rebuilding += 1
            elif not rebuilding.is_set():
                rebuilding.wait(timeout=60)  # the first batch goes in before the rebuild starts

    threads = [threading.Thread(target=read), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    rebuilding.set()
    rebuild(store)
    done.set()
    for thread in threads:
        thread.join(timeout=120)
    took = time.monotonic() - started

    assert seen, "the reader ran"
    assert written_while_rebuilding > 0, f"no batch was written during the {took:.1f} s rebuild"
    fewest, least = min(count for count, _ in seen), min(gmv for _, gmv in seen)
    assert fewest >= sessions_before and least > 0, f"a reader saw {fewest} sessions, ¥{least / 100} (before: " \
                                                    f"{sessions_before} sessions)"
    assert_api_matches(lambda path: _ok(client, path), scenario)


def _ok(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()
