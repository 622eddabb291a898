"""Message bytes -> a valid event (Snapshot, TopicStats), or the reason it is rejected.
Pure; no I/O."""

import json
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas.snapshot import SCHEMA_ID, Snapshot
from schemas.topic_stats import TOPIC_STATS_SCHEMA_ID, TopicStats

Event = TypeVar("Event", bound=BaseModel)

# Bounded set of reasons: they label a metric and the dead-letter messages.
REASONS = ("empty", "not_json", "not_object", "wrong_schema", "invalid_fields")


@dataclass(frozen=True)
class Rejected:
    reason: str
    detail: str


def decode(value: bytes | None) -> Snapshot | Rejected:
    """A `livefest.snapshot.v1` message."""
    return decode_as(value, Snapshot, SCHEMA_ID)


def decode_topic_stats(value: bytes | None) -> TopicStats | Rejected:
    """A `livefest.topicstats.v1` message (same reasons as snapshots)."""
    return decode_as(value, TopicStats, TOPIC_STATS_SCHEMA_ID)


def decode_as(value: bytes | None, model: type[Event], schema_id: str) -> Event | Rejected:
    if not value:
        return Rejected("empty", "the message has no value")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        return _explain(value, exc, schema_id)


def _explain(value: bytes, exc: ValidationError, schema_id: str) -> Rejected:
    try:
        parsed = json.loads(value)
    except (ValueError, UnicodeDecodeError) as err:
        return Rejected("not_json", f"not valid UTF-8 JSON: {err}")
    if not isinstance(parsed, dict):
        return Rejected("not_object", f"expected a JSON object, got {type(parsed).__name__}")
    if parsed.get("schema") != schema_id:
        return Rejected(
            "wrong_schema", f"field 'schema' must be {schema_id!r}, got {parsed.get('schema')!r}"
        )
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(message)'}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )
    return Rejected("invalid_fields", problems)
