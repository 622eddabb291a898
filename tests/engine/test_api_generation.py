"""Issue 11: answers cached per write generation stay exact, cost one computation per
generation, and a new generation is announced in-process (for the big screens' events)."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api import generation
from services.api.main import create_app
from services.api.routes import totals
from tests.engine.test_api_figures import insert
from tests.support.scenario import START, Scenario, snapshot

pytestmark = pytest.mark.engine


def test_the_generation_moves_with_writes_only(store: Store):
    first = generation.probe(store)
    assert generation.probe(store) == first
    insert(store, Scenario([snapshot(gmv_fen=1)]))
    second = generation.probe(store)
    assert second != first
    store.rows("SELECT count() FROM session_latest")
    assert generation.probe(store) == second


def test_one_computation_per_generation(store: Store, client: TestClient, monkeypatch: pytest.MonkeyPatch):
    calls: list[object] = []
    compute = totals.totals

    def counted(*args):  # type: ignore[no-untyped-def]
        calls.append(args)
        return compute(*args)

    monkeypatch.setattr(totals, "totals", counted)
    insert(store, Scenario([snapshot(gmv_fen=100)]))
    assert [client.get("/v1/totals").json()["gmv_fen"] for _ in range(5)] == [100] * 5
    assert len(calls) == 1
    insert(store, Scenario([snapshot(observed_at=START + timedelta(seconds=30), gmv_fen=250)]))
    assert [client.get("/v1/totals").json()["gmv_fen"] for _ in range(5)] == [250] * 5
    assert len(calls) == 2
    client.get("/v1/totals?county=qingcheng")  # another question: its own computation
    assert len(calls) == 3


def test_the_watcher_announces_a_write_and_the_answers_follow(store: Store):
    app = create_app(Settings(api_generation_poll_seconds=0.05), store, registry=CollectorRegistry())
    with TestClient(app) as client:
        assert client.get("/v1/totals").json()["gmv_fen"] == 0
        seen = client.portal.call(app.state.generations.wait_for_change, None, 10.0)
        assert seen is not None
        insert(store, Scenario([snapshot(gmv_fen=4_200)]))
        announced = client.portal.call(app.state.generations.wait_for_change, seen, 10.0)
        assert announced is not None and announced != seen
        # Published only once the hot answers were recomputed: the next ask is fresh.
        assert client.get("/v1/totals").json()["gmv_fen"] == 4_200


def test_the_edge_repeats_an_answer_only_to_the_same_question_and_key(store: Store):
    insert(store, Scenario([snapshot(county="yingde", gmv_fen=100), snapshot(session_id="douyin:f", county="fogang")]))
    app = create_app(Settings(api_keys="admin:all,yd:yingde"), store, registry=CollectorRegistry())
    admin, yd = {"Authorization": "Bearer admin"}, {"Authorization": "Bearer yd"}
    with TestClient(app) as client:
        client.portal.call(app.state.generations.wait_for_change, None, 10.0)
        for _ in range(3):  # the first ask routes, the next ones are edge answers
            assert client.get("/v1/totals", headers=admin).json()["gmv_fen"] == 100
            assert client.get("/v1/totals?county=yingde", headers=yd).json()["gmv_fen"] == 100
            assert client.get("/v1/totals", headers=yd).status_code == 403
            assert client.get("/v1/totals").status_code == 401
            assert client.get("/v1/sessions/douyin:f", headers=yd).status_code == 404
            assert client.get("/v1/sessions/douyin:f", headers=admin).status_code == 200
        assert len(app.state.answers._entries) == 3  # totals, totals?county=yingde, the session
