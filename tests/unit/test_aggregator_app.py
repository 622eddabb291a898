"""The aggregator's Faust app carries the settings that bound how soon a worker sees a topic
grow (its consumer's metadata age) and how many batches it stores at once."""

from kernel.settings import Settings
from services.aggregator.app import create_app


def test_new_partitions_are_looked_for_every_partition_discovery_seconds():
    app = create_app(Settings(partition_discovery_seconds=7.5))
    assert app.conf.consumer_metadata_max_age_ms == 7500


def test_by_default_a_worker_looks_far_more_often_than_kafkas_five_minutes():
    default = Settings().partition_discovery_seconds
    assert create_app(Settings()).conf.consumer_metadata_max_age_ms == int(default * 1000)
    assert default <= 10, "partitions added under load would go unread for longer than issue 28 allows (30 s)"
