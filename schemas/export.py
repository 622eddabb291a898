"""Exports the JSON Schema of the snapshot model (kept in schemas/snapshot.v1.schema.json)."""

from pathlib import Path
from typing import Any

from schemas.snapshot import SCHEMA_ID, Snapshot

SCHEMA_FILE = Path(__file__).with_name("snapshot.v1.schema.json")


def snapshot_json_schema() -> dict[str, Any]:
    schema = Snapshot.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
