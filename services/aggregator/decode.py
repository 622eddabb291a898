"""Message bytes -> a valid Snapshot, or the reason it is rejected. Pure; no I/O."""

import json
from dataclasses import dataclass

from pydantic import ValidationError

from schemas.snapshot import SCHEMA_ID, Snapshot

# Bounded set of reasons: they label a metric and the dead-letter messages.
REASONS = ("empty", "not_json", "not_object", "wrong_schema", "invalid_fields")


@dataclass(frozen=True)
class Rejected:
    reason: str
    detail: str


def decode(value: bytes | None) -> Snapshot | Rejected:
    if not value:
        return Rejected("empty", "the message has no value")
    try:
        return Snapshot.model_validate_json(value)
    except ValidationError as exc:
        return _explain(value, exc)


def _explain(value: bytes, exc: ValidationError) -> Rejected:
    try:
        parsed = json.loads(value)
    except (ValueError, UnicodeDecodeError) as err:
        return Rejected("not_json", f"not valid UTF-8 JSON: {err}")
    if not isinstance(parsed, dict):
        return Rejected("not_object", f"expected a JSON object, got {type(parsed).__name__}")
    if parsed.get("schema") != SCHEMA_ID:
        return Rejected(
            "wrong_schema", f"field 'schema' must be {SCHEMA_ID!r}, got {parsed.get('schema')!r}"
        )
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(message)'}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )
    return Rejected("invalid_fields", problems)
