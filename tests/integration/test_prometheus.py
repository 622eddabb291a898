"""A real Prometheus scrapes a running pipeline with the shipped rules and scrape config;
the festival figures read back through its HTTP API equal the API's own figures. The API
runs with keys, as deployed: the figures reach Prometheus only through job `festival`
(/v1/metrics with a bearer key of scope `all`), never through the open /metrics."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.pipeline import Pipeline, wait_until
from tests.support.prometheus import Prometheus
from tests.support.scenario import messy

KEYS = "prometheus-key:all,yingde-key:yingde"
BUREAU = {"Authorization": "Bearer prometheus-key"}


@pytest.fixture
def pipeline(make_pipeline) -> Pipeline:  # type: ignore[no-untyped-def]
    return make_pipeline(extra_env={"LIVEFEST_API_KEYS": KEYS}).start()  # type: ignore[no-any-return]


@pytest.fixture
def prometheus(pipeline: Pipeline, tmp_path: Path) -> Iterator[Prometheus]:
    # In one process, `livefest up` serves the aggregator's metrics and the API's on one
    # /metrics; in the production shape each aggregator worker serves its own.
    api = [f"127.0.0.1:{pipeline.port}"]
    targets = {"api": api, "festival": api}
    if pipeline.store == "server":
        targets["aggregator"] = [urlsplit(info["metrics"]).netloc for info in pipeline.aggregators().values()]
    workdir = tmp_path / "prometheus"
    workdir.mkdir()
    server = Prometheus(workdir, targets, keys={"festival": "prometheus-key"}).start()
    try:
        yield server
    finally:
        server.stop()


def test_city_gmv_by_county_through_prometheus_equals_the_api(pipeline: Pipeline, prometheus: Prometheus):
    scenario = messy(seed=31, sessions=27, polls=20)
    pipeline.publish(scenario.snapshots)
    wait_until(pipeline.consumed_offsets_caught_up, 90, "the aggregator to commit every offset")
    # The API publishes a write once it has seen it (answers per write generation): the two
    # answers agree once both come from the last write.
    def by_county_when_settled() -> dict[str, int] | None:
        counties = pipeline.json("/v1/counties", headers=BUREAU)["counties"]
        found = {row["county"]: row["gmv_fen"] for row in counties if row["sessions"]}
        total = pipeline.json("/v1/totals", headers=BUREAU)["gmv_fen"]
        return found if sum(found.values()) == total > 0 else None

    want = wait_until(by_county_when_settled, 30, "/v1/counties and /v1/totals to agree on the last write")

    def gmv_by_county() -> dict[str, int] | None:
        result = prometheus.query("sum by (county) (livefest_festival_gmv_fen)")
        got = {sample["metric"]["county"]: int(sample["value"][1]) for sample in result}
        return got if got == want else None

    wait_until(gmv_by_county, 30, f"Prometheus to report GMV by county = {want}", every_s=0.5)
    city = prometheus.query("sum(livefest_festival_gmv_fen)")
    assert int(city[0]["value"][1]) == sum(want.values())
    orders = prometheus.query("sum(livefest_festival_orders)")
    assert int(orders[0]["value"][1]) == pipeline.json("/v1/totals", headers=BUREAU)["orders"]
    # Every figure came from the keyed job; the open /metrics gave none.
    assert {s["metric"]["job"] for s in prometheus.query("livefest_festival_gmv_fen")} == {"festival"}
    assert prometheus.query('count({job="api", county!=""})') == []
    assert "livefest_festival_gmv_fen" not in httpx.get(f"{pipeline.url}/metrics", timeout=10).text
    assert httpx.get(f"{pipeline.url}/v1/metrics", timeout=10).status_code == 401

    # The pipeline's health is there too, and the shipped rules are loaded and evaluated.
    def up() -> list[tuple[str, str]] | None:  # each job scraped at least once
        found = sorted((s["metric"]["job"], s["value"][1]) for s in prometheus.query('up{job=~"api|festival"}'))
        return found if len(found) == 2 else None

    assert wait_until(up, 20, "both API jobs scraped") == [("api", "1"), ("festival", "1")]
    wait_until(lambda: prometheus.query("sum(livefest_aggregator_partitions_assigned) == 4"), 20,
               "every partition assigned")
    # The lag probe runs every 5 s: wait for its first measurement.
    wait_until(lambda: prometheus.query("sum(livefest_aggregator_consumer_lag_messages) == 0"), 20, "the lag probe")
    # Every shipped rule evaluates cleanly: "unknown" is only a rule not yet evaluated, so wait
    # for each group's first evaluation rather than accept it ("err" would fail at once).
    def rules() -> list[dict] | None:
        found = [rule for group in prometheus.api("rules")["groups"] for rule in group["rules"]]
        assert not [r for r in found if r["health"] == "err"], found
        return found if found and all(r["health"] == "ok" for r in found) else None

    assert len(wait_until(rules, 30, "every rule evaluated")) >= 10
