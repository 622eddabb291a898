"""The Grafana provisioning and dashboards: valid, consistent, and their PromQL parses."""

import yaml

from tests.support.grafana import (
    CLICKHOUSE_PLUGIN,
    DASHBOARDS,
    GRAFANA_DIR,
    load,
    panels,
    provisioned_datasources,
    queries,
)
from tests.support.promtool import promtool


def test_two_data_sources_prometheus_and_the_official_clickhouse_plugin():
    assert provisioned_datasources() == {"prometheus": "prometheus", "clickhouse": CLICKHOUSE_PLUGIN}


def test_the_dashboards_are_provisioned_from_their_folder():
    provider = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "livefest.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert {path.stem for path in DASHBOARDS} == {"operations", "bigscreen"}


def test_panel_ids_unique_and_every_datasource_provisioned():
    uids = set()
    sources = provisioned_datasources()
    for path in DASHBOARDS:
        board = load(path)
        assert board["uid"] not in uids
        uids.add(board["uid"])
        ids = [panel["id"] for panel in panels(board)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for query in queries(path):
            uid = query.datasource.get("uid")
            assert uid in sources, f"{path.name} panel {query.panel_id}: unknown datasource {uid!r}"
            assert query.datasource.get("type") == sources[uid], f"{path.name} panel {query.panel_id}"
            assert query.text.strip(), f"{path.name} panel {query.panel_id} has an empty query"
        refs = [(q.panel_id, q.target["refId"]) for q in queries(path)]
        assert len(refs) == len(set(refs)), f"{path.name}: duplicate refIds in a panel"


def test_each_dashboard_shows_what_its_audience_needs():
    titles = {path.stem: " | ".join(p["title"] for p in panels(load(path))) for path in DASHBOARDS}
    for needed in ("polling", "lag", "errors", "Freshness", "Dead letters", "Silent"):
        assert needed in titles["operations"], needed
    for needed in ("City GMV", "Orders", "County ranking", "GMV by platform", "Viewers online", "Specials"):
        assert needed in titles["bigscreen"], needed


def test_every_prometheus_panel_query_parses(tmp_path):
    rules = [
        {"record": f"panel:{query.dashboard.replace('-', '_')}:{query.panel_id}_{query.target['refId']}",
         "expr": query.text}
        for path in DASHBOARDS
        for query in queries(path)
        if query.datasource["type"] == "prometheus"
    ]
    assert len(rules) >= 15
    rules_file = tmp_path / "panels.yml"
    rules_file.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    result = promtool("check", "rules", str(rules_file))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_committed_dashboards_are_what_the_builder_produces(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, str(GRAFANA_DIR / "build_dashboards.py"), str(tmp_path)], check=True)
    for path in DASHBOARDS:
        assert (tmp_path / path.name).read_text() == path.read_text(), (
            f"{path} is stale: run `python deploy/grafana/build_dashboards.py`"
        )


def test_the_clickhouse_data_source_uses_the_local_servers_http_port():
    """Grafana, report jobs and `livefest up`'s local server all meet on one HTTP port."""
    from kernel.settings import Settings

    path = GRAFANA_DIR / "provisioning" / "datasources" / "livefest.yml"
    sources = {s["uid"]: s for s in yaml.safe_load(path.read_text())["datasources"]}
    clickhouse = sources["clickhouse"]["jsonData"]
    assert (clickhouse["protocol"], clickhouse["port"]) == ("http", Settings().clickhouse_http_port) == ("http", 8123)


# Written out by hand: what these panels must ask, so the committed dashboards are held to
# something other than the builder that produces them (their figures: tests/engine/test_grafana_sql.py).
HAND_WRITTEN = {
    ("bigscreen", 1): "SELECT toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan FROM session_latest",
    ("bigscreen", 2): "SELECT toInt64(sum(orders)) AS orders FROM session_latest",
    ("bigscreen", 3): "SELECT toInt64(sum(units_sold)) AS units_sold FROM session_latest",
    ("operations", 1): 'up{job=~"api|aggregator|ingest"}',
    ("operations", 2): "sum by (platform) (rate(livefest_ingest_polls_total[2m])) * 60",
    ("operations", 7): "sum by (partition) (livefest_aggregator_consumer_lag_messages)",
    ("operations", 10): "sum(rate(livefest_aggregator_clickhouse_write_errors_total[2m]))",
    ("operations", 12): "time() - max(livefest_festival_watermark_seconds)",
}


def test_some_panels_ask_exactly_the_hand_written_query():
    found = {(path.stem, q.panel_id): " ".join(q.text.split()) for path in DASHBOARDS for q in queries(path)
             if q.target["refId"] == "A"}
    for key, text in HAND_WRITTEN.items():
        assert found.get(key) == text, key


def test_the_name_tables_are_the_contracts_codes_with_their_chinese_names():
    texts = {(path.stem, q.panel_id): q.text for path in DASHBOARDS for q in queries(path)}
    counties = ("['city','qingcheng','qingxin','yingde','lianzhou','fogang','yangshan','lianshan','liannan'], "
                "['清远市','清城区','清新区','英德市','连州市','佛冈县','阳山县','连山壮族瑶族自治县','连南瑶族自治县']")
    assert counties in texts[("bigscreen", 5)]
    platforms = "['douyin','taobao','weishi','channels','aiguang','yizhibo','miniprogram','kuaishou']"
    assert platforms in texts[("bigscreen", 6)]
