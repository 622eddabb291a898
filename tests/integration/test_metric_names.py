"""Names that exist by construction: the real services run (pipeline, adapters, simulated
back offices), every `/metrics` is scraped, and every metric or label that an alerting or
recording rule, a dashboard query or deploy/METRICS.md names must be among what they
export. Each exposition also passes `promtool check metrics` (Prometheus' own lint).

Generic on purpose: a metric added to a service is checked as soon as it is exported
(it must be in METRICS.md, with the labels its samples carry)."""

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.metric_catalogue import labels_of
from tests.support.metric_refs import ROOT, documented, problems
from tests.support.pipeline import Pipeline, wait_until
from tests.support.platforms import Platforms
from tests.support.promtool import promtool_stdin
from tests.support.scenario import messy

# Exported families this run cannot give a sample, each with why; their labels are taken
# from the code's declaration instead (every other family must show its labels for real).
DECLARED_ONLY = {
    "livefest_ingest_live_viewers": "Kuaishou's real-time UV needs a merchant's OAuth grant "
                                    "(`livefest kuaishou-authorize`), which the simulated festival's config "
                                    "does not set up",
}


class Exposition:
    """Series and family names -> the labels their samples carry, over several scrapes."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.labels: dict[str, set[str]] = {}
        self.families: set[str] = set()
        self.empty: set[str] = set()
        for text in texts.values():
            for family in text_string_to_metric_families(text):
                self.families.add(family.name)
                self._add(family.name, set())
                if not family.samples:
                    self.empty.add(family.name)
                for sample in family.samples:
                    self._add(sample.name, set(sample.labels))
                    self._add(family.name, set(sample.labels) - {"le", "quantile"})
        self.empty -= {name for name in self.empty if self.labels.get(name)}

    def _add(self, name: str, labels: set[str]) -> None:
        self.labels.setdefault(name, set()).update(labels)

    def exported(self, name: str) -> frozenset[str] | None:
        if name not in self.labels:
            return None
        if name in DECLARED_ONLY and name in self.empty:
            return labels_of(name)
        return frozenset(self.labels[name])

    def livefest_families_without_samples(self) -> set[str]:
        return {name for name in self.empty if name.startswith("livefest_")} - set(DECLARED_ONLY)


def scrape(urls: dict[str, str]) -> Exposition:
    return Exposition({what: httpx.get(url, timeout=10).raise_for_status().text for what, url in urls.items()})


def exercise(pipeline: Pipeline) -> None:
    """Traffic that gives every labelled metric a sample: snapshots, a rejected snapshot and
    hashtag reading (reasons), API requests (routes and status classes), a county report."""
    pipeline.publish(messy(seed=5, sessions=6, polls=4).snapshots)
    pipeline.publish_raw([(b"bad", b"not json")])
    pipeline.publish_topic_stats([(b"#bad", b"[1, 2]")])
    pipeline.get("/v1/totals")
    pipeline.get("/v1/sessions/no-such-session")
    report = (ROOT / "schemas" / "county_reports" / "example.csv").read_bytes()
    httpx.post(f"{pipeline.url}/v1/imports", content=report, headers={"content-type": "text/csv"}, timeout=30)


def test_every_name_the_rules_dashboards_and_catalogue_use_is_exported(make_pipeline, tmp_path: Path):
    pipeline = make_pipeline().start()
    platforms = Platforms(pipeline, tmp_path).start()
    urls = {
        "pipeline (aggregator, API, festival health)": f"{pipeline.url}/metrics",
        "festival figures (keys unset here: open)": f"{pipeline.url}/v1/metrics",
        "ingest (adapters)": f"http://127.0.0.1:{platforms.env['LIVEFEST_INGEST_METRICS_PORT']}/metrics",
    }
    # In the production shape each aggregator worker serves its own metrics.
    urls.update({name: str(info["metrics"]) for name, info in pipeline.aggregators().items()})
    try:
        exercise(pipeline)

        def every_family_has_samples() -> Exposition | None:
            got = scrape(urls)
            return None if got.livefest_families_without_samples() else got

        try:
            exposition = wait_until(every_family_has_samples, 90, "a sample of every livefest metric")
        except AssertionError:
            missing = sorted(scrape(urls).livefest_families_without_samples())
            raise AssertionError(f"no sample of {missing}: make exercise() produce one") from None

        found = problems(exposition.exported)
        assert not found, "named but not exported:\n" + "\n".join(found)
        # Family names: a counter's without _total, as the exposition's parser gives them.
        # prometheus_client also exposes each counter's and histogram's creation time as an
        # `X_created` gauge family: part of X, not a metric of its own.
        listed = {name.removesuffix("_total") for name in documented()}
        listed |= {f"{name}_created" for name in listed}
        undocumented = {name for name in exposition.families if name.startswith("livefest_")} - listed
        assert not undocumented, f"exported but not in deploy/METRICS.md: {sorted(undocumented)}"

        for what, text in exposition.texts.items():
            result = promtool_stdin(text, "check", "metrics")
            assert result.returncode == 0, f"promtool check metrics on {what}:\n{result.stdout}{result.stderr}"
    finally:
        platforms.close()
