"""Exports the JSON Schemas of the wire models (kept in schemas/*.v1.schema.json)."""

from pathlib import Path
from typing import Any

from schemas.snapshot import SCHEMA_ID, Snapshot
from schemas.topic_stats import TOPIC_STATS_SCHEMA_ID, TopicStats

SCHEMA_FILE = Path(__file__).with_name("snapshot.v1.schema.json")
TOPIC_STATS_SCHEMA_FILE = Path(__file__).with_name("topicstats.v1.schema.json")


def snapshot_json_schema() -> dict[str, Any]:
    schema = Snapshot.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def topic_stats_json_schema() -> dict[str, Any]:
    schema = TopicStats.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": TOPIC_STATS_SCHEMA_ID,
        **schema,
    }
