"""The API's (answers cached per write generation included), the results report's,
reconciliation's and the dashboards' SQL through the Distributed tables of a two-shard
cluster, held to the reference semantics: the engine tests' own bodies, run here against
a cluster database (tests/cluster/conftest.py's `store` and `client`), so the single
server and the cluster answer to the same checks. Each session's rows live on one shard,
which keeps `argMax`, `FINAL` and the window over a session's closings exact;
`IN (subquery)` runs as GLOBAL IN (kernel/clickhouse.py)."""

from typing import Any

from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from schemas.snapshot import Snapshot
from services.aggregator.rows import SNAPSHOT_COLUMNS
from services.api import generation
from tests.cluster.conftest import plain_store
from tests.engine.test_api_figures import (  # noqa: F401  (collected here, on the cluster)
    test_a_downward_correction_stands,
    test_empty_store_answers_zeros,
    test_every_figure_matches_the_contract,
    test_inserting_everything_twice_changes_nothing,
    test_same_identity_twice_keeps_the_later_delivery,
)
from tests.engine.test_api_generation import (  # noqa: F401
    test_one_computation_per_generation,
    test_the_generation_moves_with_writes_only,
    test_the_watcher_announces_a_write_and_the_answers_follow,
)
from tests.engine.test_as_of_and_rebuild import (  # noqa: F401
    test_as_of_before_the_first_snapshot_and_bad_values,
    test_totals_as_of_match_the_contract_on_the_snapshots_seen_by_then,
)
from tests.engine.test_festival_metrics import test_gauges_by_county_and_platform_equal_the_contract  # noqa: F401
from tests.engine.test_grafana_sql import (  # noqa: F401
    test_big_screen_figures_equal_the_contract,
    test_every_clickhouse_panel_returns_rows,
)
from tests.engine.test_reconcile import test_reconciliation_finds_exactly_the_planted_differences  # noqa: F401
from tests.engine.test_report import (  # noqa: F401
    festival,
    test_viewers_curve_matches_the_contract,
    test_xlsx_and_csv_hold_exactly_the_contract_figures,
)
from tests.engine.test_specials import test_specials_match_the_contract  # noqa: F401
from tests.support.cluster import LocalCluster
from tests.support.scenario import snapshot, stored_rows


def test_a_superseded_copy_counts_nowhere_before_and_after_every_shards_merges(
    cluster: LocalCluster, store: Store, client: TestClient
):
    """`snapshots FINAL` through the Distributed table: FINAL is applied on each shard, which
    holds every copy of its sessions' identities, so the winning copy is the same as on one
    server, before and after the shards merge."""
    first = snapshot(viewers_online=900, products_listed=50, categories=("jewelry",), gmv_fen=700)
    second = first.model_copy(update={"viewers_online": 10, "products_listed": 3, "categories": ("agri",),
                                      "gmv_fen": 500})
    later = snapshot(observed_at=first.observed_at.replace(second=30), viewers_online=20, gmv_fen=600)
    other = snapshot(session_id="channels:s9", platform="channels", viewers_online=7, gmv_fen=1)
    for offset, s in enumerate((first, second, later, other)):
        insert_one(store, s, offset)
    for merged in (False, True):
        if merged:
            for node in range(2):
                local = plain_store(cluster, store.database, node)
                for table in ("snapshots_local", "lane_newest_local", "lane_closings_local", "session_claims_local"):
                    local.command(f"OPTIMIZE TABLE {table} FINAL")
        session = _ok(client, "/v1/sessions/douyin:s1")
        assert (session["peak_viewers_online"], session["products_listed_max"], session["categories"]) == (
            20, 3, ["agri"]), merged
        assert session["gmv_fen"] == 600
        assert _ok(client, "/v1/totals")["gmv_fen"] == 601


def test_a_write_on_either_shard_moves_the_generation(cluster: LocalCluster, store: Store):
    """The Distributed tables hold no parts: the API's write generation is that of every
    node's local tables, so a write landing on either shard invalidates cached answers,
    and the same part on both nodes does not cancel out of the digest."""
    seen = {generation.probe(store)}
    (row,) = stored_rows([snapshot(gmv_fen=5)])
    for node in range(2):
        plain_store(cluster, store.database, node).insert("snapshots_local", [row], SNAPSHOT_COLUMNS)
        moved = generation.probe(store)
        assert moved not in seen, node
        seen.add(moved)
    parts = [plain_store(cluster, store.database, node).rows(
        "SELECT name FROM system.parts WHERE active AND table = 'snapshots_local'") for node in range(2)]
    assert parts[0] == parts[1]  # the same parts on both nodes…
    assert moved.split("-")[1] != "0"  # …told apart by their node, not cancelled out of the XOR


def insert_one(store: Store, s: Snapshot, offset: int) -> None:
    store.insert("snapshots", stored_rows([s], first_offset=offset), SNAPSHOT_COLUMNS)


def _ok(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()
