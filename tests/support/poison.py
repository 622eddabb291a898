"""Messages a producer with a bug or a bad clock could send, with the dead-letter reason
each must get (contract section 1)."""

import json
from datetime import UTC, datetime, timedelta

from tests.support.scenario import snapshot


def poison(now: datetime | None = None) -> list[tuple[bytes | None, bytes, str]]:
    """(key, value, reason) triples; `now` is about the broker's clock."""
    now = now or datetime.now(UTC)
    valid = json.loads(snapshot(session_id="douyin:poison", gmv_fen=1).to_json_bytes())

    def variant(**fields: object) -> bytes:
        return json.dumps({**valid, **fields}, ensure_ascii=False).encode()

    return [
        (b"douyin:poison", b"[" * 5000 + b"]" * 5000, "not_json"),
        (b"\xff\xfe\x00key", b"\xff\xfe{\x00garbage", "not_json"),
        (b"douyin:poison", variant(gmv_fen=10**30), "invalid_fields"),
        (b"douyin:poison", variant(orders="12"), "invalid_fields"),
        (b"douyin:poison", b"[1, 2, 3]", "not_object"),
        (None, variant(schema="livefest.snapshot.v2"), "wrong_schema"),
        # An adapter stamping Beijing wall time as UTC runs 8 h ahead; this one two days.
        (b"douyin:poison", variant(observed_at=(now + timedelta(days=2)).isoformat()), "from_the_future"),
        (b"douyin:poison", variant(observed_at="1999-12-31T23:59:59Z"), "out_of_range"),
        (b"douyin:poison", variant(observed_at="2021-10-23T10:05:00.1234567+08:00"), "invalid_fields"),
        (b"douyin:poison", variant(observed_at="2021-W42-6T10:05:00+08:00"), "invalid_fields"),
        (b"douyin:poison", b"", "empty"),
    ]
