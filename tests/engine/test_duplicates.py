"""Duplicates with *different* contents: the same identity (session_id, observed_at)
delivered again with other figures. The later delivery wins in every figure (peaks, shelf
and categories included): the API, the results report and `livefest rebuild` agree with
the reference semantics, before and after ClickHouse merges the copies away."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kernel.clickhouse import Store
from livefest.rebuild import rebuild
from schemas.snapshot import Snapshot
from services.aggregator.rows import SNAPSHOT_COLUMNS
from services.report.model import Period
from services.report.run import WRITERS, make_report
from tests.engine.test_api_figures import insert
from tests.engine.test_report import check_report
from tests.support.checks import assert_api_matches
from tests.support.report_files import xlsx_rows
from tests.support.scenario import messy, snapshot, stored_rows

pytestmark = pytest.mark.engine

MERGED = ("snapshots", "lane_newest", "lane_closings", "session_claims")


def _ok(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def test_a_superseded_copy_counts_nowhere(store: Store, client: TestClient):
    first = snapshot(viewers_online=900, products_listed=50, categories=("jewelry",), gmv_fen=700)
    second = first.model_copy(update={"viewers_online": 10, "products_listed": 3, "categories": ("agri",),
                                      "gmv_fen": 500})
    later = snapshot(observed_at=first.observed_at.replace(second=30), viewers_online=20, gmv_fen=600)
    for offset, s in enumerate((first, second, later)):
        insert_one(store, s, offset)
    for merged in (False, True):
        if merged:
            for table in MERGED:
                store.command(f"OPTIMIZE TABLE {table} FINAL")
        session = _ok(client, "/v1/sessions/douyin:s1")
        # The first copy's 900 online, 50 products and jewelry were superseded by the second.
        assert (session["peak_viewers_online"], session["products_listed_max"], session["categories"]) == (
            20, 3, ["agri"]), merged
        assert session["gmv_fen"] == 600


def insert_one(store: Store, s: Snapshot, offset: int) -> None:
    store.insert("snapshots", stored_rows([s], first_offset=offset), SNAPSHOT_COLUMNS)


def test_api_report_and_rebuild_agree_with_the_contract_before_and_after_merges(
    store: Store, client: TestClient, tmp_path: Path
):
    scenario = messy(seed=41, sessions=20, polls=24)
    identities = [(s.session_id, s.observed_at) for s in scenario.snapshots]
    differing = {i for i in identities
                 if len({s for s in scenario.snapshots if (s.session_id, s.observed_at) == i}) > 1}
    assert differing, "the scenario delivers some identities twice with different figures"
    insert(store, scenario)

    def check(stage: str) -> None:
        assert_api_matches(lambda path: _ok(client, path), scenario)
        report = make_report(store, Period())
        book = WRITERS["xlsx"](report, tmp_path / f"{stage}.xlsx")
        check_report(lambda table: xlsx_rows(book, table), report, scenario, [], Period())

    check("as delivered")
    for table in MERGED:
        store.command(f"OPTIMIZE TABLE {table} FINAL")
    check("merged")
    rebuild(store)
    check("rebuilt")
