import json
from pathlib import Path

import pytest

from schemas.export import SCHEMA_FILE, snapshot_json_schema
from schemas.snapshot import Snapshot
from services.aggregator.decode import REASONS, Rejected
from services.aggregator.decode import decode as decode_at
from tests.support.examples import APPENDED_AT, MAX_FUTURE

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def decode(value: bytes | None) -> Snapshot | Rejected:
    return decode_at(value, APPENDED_AT, MAX_FUTURE)


def test_there_are_examples_of_both_kinds():
    assert len(VALID) >= 5 and len(INVALID) >= 10


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_examples_decode_and_round_trip(path: Path):
    raw = path.read_bytes()
    snapshot = decode(raw)
    assert isinstance(snapshot, Snapshot), snapshot
    again = decode(snapshot.to_json_bytes())
    assert again == snapshot
    # Money survives exactly: the integer in the file is the integer in the model.
    assert snapshot.gmv_fen == json.loads(raw)["gmv_fen"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_examples_are_rejected_with_the_reason_in_their_name(path: Path):
    expected_reason = path.stem.split("--")[0]
    assert expected_reason in REASONS
    result = decode(path.read_bytes())
    assert isinstance(result, Rejected)
    assert result.reason == expected_reason
    assert result.detail


def test_empty_message_is_rejected():
    assert decode(b"") == Rejected("empty", "the message has no value")
    assert decode(None) == Rejected("empty", "the message has no value")


def test_rejection_detail_names_the_field():
    raw = json.loads((EXAMPLES / "valid" / "typical.json").read_text())
    raw["gmv_fen"] = 12.5
    result = decode(json.dumps(raw).encode())
    assert isinstance(result, Rejected) and "gmv_fen" in result.detail


def test_exported_json_schema_is_current():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == snapshot_json_schema(), (
        "schemas/snapshot.v1.schema.json is stale: run `livefest schema export --output "
        "schemas/snapshot.v1.schema.json`"
    )


def test_json_schema_pins_the_contract_enums_and_integers():
    schema = snapshot_json_schema()
    props = schema["properties"]
    assert set(schema["required"]) == {
        "schema", "platform", "session_id", "room_id", "county", "observed_at", "status",
        "viewers_online", "viewers_total", "orders", "units_sold", "gmv_fen", "products_listed",
    }
    for name in ("viewers_online", "viewers_total", "orders", "units_sold", "gmv_fen", "products_listed"):
        assert props[name]["type"] == "integer"
        assert props[name]["minimum"] == 0 and props[name]["maximum"] == 2**53 - 1
    assert "kuaishou" in props["platform"]["enum"] and len(props["county"]["enum"]) == 9
    assert schema["additionalProperties"] is False
