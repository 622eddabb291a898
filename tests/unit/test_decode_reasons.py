"""Each rejection reason with the detail the dead letter carries, written out by hand; and a
decoder failure that is no validation error still becomes a dead letter, logged."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from schemas.snapshot import SCHEMA_ID
from services.aggregator.decode import Rejected, decode, decode_as
from tests.support.scenario import snapshot

APPENDED = datetime(2021, 10, 23, 2, 0, tzinfo=UTC)
FUTURE = timedelta(seconds=300)
VALID = json.loads(snapshot().to_json_bytes())


def rejected(raw: bytes) -> Rejected:
    result = decode(raw, APPENDED, FUTURE)
    assert isinstance(result, Rejected)
    return result


def test_reasons_and_details():
    assert rejected(b"") == Rejected("empty", "the message has no value")
    assert rejected(b"[1]") == Rejected("not_object", "expected a JSON object")
    assert rejected(b'"text"') == Rejected("not_object", "expected a JSON object")
    assert rejected(json.dumps({**VALID, "schema": "livefest.snapshot.v2"}).encode()) == Rejected(
        "wrong_schema", "field 'schema' must be 'livefest.snapshot.v1'"
    )
    assert rejected(json.dumps({**VALID, "orders": -1, "gmv_fen": 1.5}).encode()) == Rejected(
        "invalid_fields", "orders: Input should be greater than or equal to 0; gmv_fen: Input should be a valid integer"
    )
    assert rejected(json.dumps({**VALID, "observed_at": "1999-12-31T23:59:59Z"}).encode()).reason == "out_of_range"
    assert rejected(json.dumps({**VALID, "categories": ["agri", "toys"]}).encode()).detail.startswith(
        "categories.1: Input should be "
    )
    assert rejected(json.dumps({**VALID, "observed_at": "2021-10-23T02:05:00.5Z"}).encode()) == Rejected(
        "from_the_future",
        "observed_at 2021-10-23T02:05:00.500000+00:00 is more than 300 s after the broker appended the message "
        "(2021-10-23T02:00:00+00:00): check the adapter's clock and time zone",
    )


def test_a_message_that_is_not_json_says_where():
    detail = rejected(b'{"schema": ').detail
    assert detail.startswith("not valid UTF-8 JSON: (message): Invalid JSON: "), detail


def test_a_long_detail_is_cut_at_2000_characters():
    many = {**VALID, **{f"extra_field_{i:03d}": i for i in range(200)}}
    result = rejected(json.dumps(many).encode())
    assert result.reason == "invalid_fields"
    assert result.detail.startswith("extra_field_000: Extra inputs are not permitted; extra_field_001: ")
    assert len(result.detail) == 2000


class Broken:
    """A model whose decoder fails in a way no validation error describes."""

    @classmethod
    def model_validate_json(cls, value: bytes) -> object:
        raise RuntimeError("decoder broke: " + "x" * 300)


def test_a_decoder_failure_is_undecodable_and_logged(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="services.aggregator.decode"):
        result = decode_as(b"{}", Broken, SCHEMA_ID, APPENDED, FUTURE)  # type: ignore[type-var]
    assert result == Rejected("undecodable", "RuntimeError: decoder broke: " + "x" * 185)
    assert [r.getMessage() for r in caplog.records] == [
        "message could not be decoded: RuntimeError('decoder broke: " + "x" * 300 + "')"
    ]
