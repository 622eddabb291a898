"""Kafka with SASL/PLAIN: a private broker whose only client listener requires SASL
(tests/support/sasl_broker.py, free ports; the shared broker is never touched).

With the right LIVEFEST_KAFKA_* settings the whole pipeline works end to end in the
production shape: topics created by the admin client, snapshots published by the
kafka-python producer, consumed by the Faust workers (aiokafka with broker credentials),
their lag measured by kafka-python, figures exact, `status` and `dlq list` answering.
With a wrong password, or none, a command fails with one line that says the broker
refused the credentials and which settings to check, without the password."""

from pathlib import Path

from tests.support.checks import assert_api_matches
from tests.support.pipeline import Pipeline, wait_until
from tests.support.sasl_broker import SaslBroker
from tests.support.scenario import messy
from tests.unit.test_cli_errors import assert_one_line, run

PASSWORD = "county-park-Secret-1"


def test_right_credentials_work_end_to_end_and_wrong_ones_are_one_line(tmp_path: Path):
    broker = SaslBroker(tmp_path, {"livefest": PASSWORD}).start()
    pipeline = Pipeline(tmp_path, kafka=broker.bootstrap, extra_env=broker.env("livefest", PASSWORD), store="server")
    try:
        pipeline.start()
        scenario = messy(seed=71, sessions=12, polls=10)
        pipeline.publish(scenario.snapshots)
        pipeline.publish_raw([(b"bad", b"not json")])
        wait_until(pipeline.consumed_offsets_caught_up, 120, "the workers to commit every offset over SASL")
        assert_api_matches(pipeline.json, scenario)
        assert pipeline.aggregator_metric("livefest_aggregator_partitions_assigned") == 4

        commands = {**pipeline.env, "LIVEFEST_LOG_FORMAT": "json"}
        listed = run("dlq", "list", **commands)
        assert listed.returncode == 0 and "1 dead letter(s)" in listed.stdout, listed.stdout + listed.stderr
        status = run("status", **commands)
        assert "lag" in status.stdout.lower() and status.returncode == 0, status.stdout + status.stderr

        for wrong in ({"LIVEFEST_KAFKA_SASL_PASSWORD": "not-the-password"},
                      {"LIVEFEST_KAFKA_SASL_USERNAME": "nobody"}):
            refused = run("dlq", "list", **{**commands, **wrong})
            assert_one_line(refused, 1, "refused", "LIVEFEST_KAFKA_SASL_PASSWORD", broker.bootstrap)
            assert PASSWORD not in refused.stdout + refused.stderr
    finally:
        pipeline.close()
        broker.stop()
