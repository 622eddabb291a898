"""Strict RFC 3339 timestamps, as the contract writes them (section 1):
`YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`.

No week dates, no missing seconds, no offsets with seconds, no `_` or space for `T`, and at
most 6 fraction digits: a 7th digit would be truncated by every datetime type we store
into, which would silently merge two different `observed_at` into one identity. The
grammar is checked first; ciso8601 (a C parser) then checks the calendar and builds the
value.
"""

import re
from datetime import datetime
from typing import Annotated, Any

import ciso8601
from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$"
_GRAMMAR = re.compile(PATTERN)
_NO_OFFSET = re.compile(PATTERN.replace(r"([Zz]|[+-]\d{2}:\d{2})$", "$"))
EXAMPLE = "2021-10-23T10:05:00.000+08:00"


def parse(text: str) -> datetime:
    """The instant `text` denotes, with its offset; ValueError saying what is wrong otherwise."""
    if not _GRAMMAR.match(text):
        if _NO_OFFSET.match(text):
            raise ValueError(f"{text!r} has no UTC offset (add Z or +08:00)")
        raise ValueError(
            f"{text[:64]!r} is not an RFC 3339 timestamp like {EXAMPLE} "
            "(date, 'T', time with seconds, at most 6 fraction digits, then Z or ±HH:MM)"
        )
    try:
        return ciso8601.parse_rfc3339(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid instant: {exc}") from exc


def _from_wire(value: Any) -> Any:
    # JSON gives a string; Python callers (the adapters) pass datetimes, checked as such.
    return parse(value) if isinstance(value, str) else value


Rfc3339 = Annotated[
    AwareDatetime,
    BeforeValidator(_from_wire),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": PATTERN}),
]
"""A timestamp field of the wire contract: strict RFC 3339 in JSON, an aware datetime in Python."""
