"""The PromQL reference checker catches the mistakes it exists for (checked on made-up
metrics, so that these cases do not depend on the real catalogue)."""

from tests.support.promql_refs import check, template_labels

LABELS = {
    "polls_total": frozenset({"platform", "outcome"}),
    "lag": frozenset({"partition"}),
    "latency_bucket": frozenset({"le"}),
}


def problems(expr: str) -> list[str]:
    return check(expr, LABELS.get).problems


def test_a_metric_nobody_exports_is_named():
    assert problems("rate(poll_failures_total[5m])") == ["metric poll_failures_total is not exported by any service"]


def test_labels_must_exist_where_they_are_used():
    assert problems('polls_total{outcome="failed"}') == []
    assert "reason" in problems('polls_total{reason="x"}')[0]
    assert "reason" in problems("sum by (platform, reason) (rate(polls_total[5m]))")[0]
    assert "partition" in problems("sum by (platform) (polls_total) / on (partition) sum by (platform) (lag)")[0]
    assert problems("histogram_quantile(0.9, sum by (le) (rate(latency_bucket[5m])))") == []
    assert "le" in problems("histogram_quantile(0.9, sum (rate(latency_bucket[5m])))")[0]


def test_target_labels_and_labels_made_by_the_expression_are_known():
    assert problems("up == 0") == []
    assert problems("sum by (job, instance) (lag)") == []
    result = check('sum by (dlq) (label_replace(lag, "dlq", "a", "", ""))', LABELS.get)
    assert result.problems == [] and result.labels == {"dlq"}


def test_the_result_labels_follow_aggregation_and_matching():
    assert check("sum by (platform) (polls_total) > 0.5", LABELS.get).labels == {"platform"}
    assert check("time() - max(lag) > 3", LABELS.get).labels == set()
    assert check("lag > 0", LABELS.get).labels == {"partition", "job", "instance"}
    assert check("count by (instance) (lag > 0 and lag)", LABELS.get).labels == {"instance"}


def test_printed_labels_are_found_in_templates_and_legends():
    assert template_labels("{{ $labels.platform }} at {{ $labels.instance }}: {{ $value }}") == {"platform", "instance"}
    assert template_labels("{{platform}} {{ reason }}") == {"platform", "reason"}


def test_a_selector_without_a_metric_name_is_refused():
    assert "name the metric" in problems('{__name__=~"livefest_.*"}')[0]
