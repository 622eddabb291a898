"""Message bytes -> a valid event (Snapshot, TopicStats), or the reason it is rejected.

Pure, and total: no content of a message can make these functions raise (deep nesting,
huge numbers, bad UTF-8, wrong types), since an exception in the batch path stops the
worker. Event time is bounded here too (contract section 1): not before 2000, not beyond
what the store holds (`out_of_range`), and at most `max_future` ahead of the record's
timestamp, which is the broker's append time on the topic (`from_the_future`). Measuring
against the record, not this process's clock, makes a rebuild from the topics decide
exactly as the live path did.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError

from schemas.snapshot import SCHEMA_ID, Snapshot
from schemas.topic_stats import TOPIC_STATS_SCHEMA_ID, TopicStats

log = logging.getLogger(__name__)

Event = TypeVar("Event", Snapshot, TopicStats)

# Bounded set of reasons: they label a metric and the dead-letter messages.
REASONS = (
    "empty",
    "not_json",
    "not_object",
    "wrong_schema",
    "invalid_fields",
    "out_of_range",
    "from_the_future",
    "store_rejected",
    "undecodable",
)


@dataclass(frozen=True)
class Rejected:
    reason: str
    detail: str


def decode(value: bytes | None, appended_at: datetime, max_future: timedelta) -> Snapshot | Rejected:
    """A `livefest.snapshot.v1` message appended to the topic at `appended_at`."""
    return decode_as(value, Snapshot, SCHEMA_ID, appended_at, max_future)


def decode_topic_stats(value: bytes | None, appended_at: datetime, max_future: timedelta) -> TopicStats | Rejected:
    """A `livefest.topicstats.v1` message (same reasons as snapshots)."""
    return decode_as(value, TopicStats, TOPIC_STATS_SCHEMA_ID, appended_at, max_future)


def decode_as(
    value: bytes | None, model: type[Event], schema_id: str, appended_at: datetime, max_future: timedelta
) -> Event | Rejected:
    if not value:
        return Rejected("empty", "the message has no value")
    try:
        event = model.model_validate_json(value)
    except ValidationError as exc:
        return _explain(exc, schema_id)
    except Exception as exc:  # noqa: BLE001 - no content may stop the worker (module docstring)
        log.warning("message could not be decoded: %r", exc)
        return Rejected("undecodable", f"{type(exc).__name__}: {str(exc)[:200]}")
    if event.observed_at - appended_at > max_future:
        return Rejected(
            "from_the_future",
            f"observed_at {event.observed_at.isoformat()} is more than {max_future.total_seconds():.0f} s "
            f"after the broker appended the message ({appended_at.isoformat()}): check the adapter's clock "
            "and time zone",
        )
    return event


def _explain(exc: ValidationError, schema_id: str) -> Rejected:
    errors = exc.errors(include_url=False, include_input=False)
    kinds = {err["type"] for err in errors}
    if "json_invalid" in kinds:
        return Rejected("not_json", f"not valid UTF-8 JSON: {_problems(errors)}")
    if any(err["type"] == "model_type" and not err["loc"] for err in errors):
        return Rejected("not_object", "expected a JSON object")
    if any(err["loc"][:1] == ("schema",) for err in errors):
        return Rejected("wrong_schema", f"field 'schema' must be {schema_id!r}")
    if kinds == {"out_of_range"}:
        return Rejected("out_of_range", _problems(errors))
    return Rejected("invalid_fields", _problems(errors))


def _problems(errors: list[Any]) -> str:
    text = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(message)'}: {err['msg']}" for err in errors)
    return text[:2000]
