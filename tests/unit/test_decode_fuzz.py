"""No message content can make decoding or batch building raise, and every message becomes
exactly one row or one dead letter with a reason from the bounded set: hypothesis-generated
bytes and JSON shapes (deep nesting, huge numbers, odd Unicode, wrong types, near-miss
snapshots)."""

import base64
import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.aggregator.batch import build_batch, build_topic_stats_batch
from services.aggregator.decode import REASONS
from tests.support.budget import examples
from tests.support.examples import BOUNDS, message
from tests.support.scenario import snapshot

NOW = datetime(2026, 1, 1, tzinfo=UTC)
VALID = json.loads(snapshot(gmv_fen=123, categories=("agri",)).to_json_bytes())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats()
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
# A valid snapshot with one field replaced, removed, or one added: the near misses.
near_misses = st.one_of(
    st.builds(lambda k, v: {**VALID, k: v}, st.sampled_from(sorted(VALID)), json_values),
    st.builds(lambda k: {f: v for f, v in VALID.items() if f != k}, st.sampled_from(sorted(VALID))),
    st.builds(lambda k, v: {**VALID, k: v}, st.text(max_size=12), json_values),
)
timestamps = st.builds(
    lambda d, t, f, z: f"{d}T{t}{f}{z}",
    st.sampled_from(["2021-10-23", "1999-12-31", "2106-02-07", "9999-12-31", "0001-01-01", "2021-02-30",
                     "2021-W42-6", "20211023"]),
    st.sampled_from(["10:05:00", "23:59:60", "24:00:00", "10:05", "06:28:00"]),
    st.sampled_from(["", ".1", ".123456", ".1234567", ".", ".999999999"]),
    st.sampled_from(["Z", "z", "+08:00", "-23:59", "+08:00:30", "+24:00", "", "+0800"]),
)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def check(values: list[bytes | None], keys: list[bytes | None] | None = None) -> None:
    keys = keys or [b"k"] * len(values)
    messages = [message(v, offset, key=k) for offset, (v, k) in enumerate(zip(values, keys, strict=True))]
    for build in (lambda m: build_batch(m, None, BOUNDS, NOW), lambda m: build_topic_stats_batch(m, BOUNDS, NOW)):
        batch = build(messages)
        assert len(batch.rows) + len(batch.dead_letters) == len(messages)
        for letter in batch.dead_letters:
            assert letter.rejected.reason in REASONS and letter.rejected.detail
            body = json.loads(letter.to_json_bytes())  # always encodable, whatever the bytes
            assert base64.b64decode(body["value_b64"]) == (letter.message.value or b"")
            if letter.message.key is not None:
                assert base64.b64decode(body["key_b64"]) == letter.message.key


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=5), st.lists(st.binary(max_size=20), min_size=5,
                                                                            max_size=5))
def test_arbitrary_bytes(values: list[bytes], keys: list[bytes]):
    check(list(values), list(keys[: len(values)]))


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values, min_size=1, max_size=5))
def test_arbitrary_json(values: list[object]):
    check([json.dumps(v).encode() for v in values])


@settings(max_examples=examples(500), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(near_misses, min_size=1, max_size=5))
def test_near_miss_snapshots(values: list[dict[str, object]]):
    check([json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass") for v in values])


@settings(max_examples=examples(300))
@given(timestamps, st.sampled_from(["observed_at", "polled_at"]))
def test_odd_timestamps(stamp: str, field: str):
    check([json.dumps({**VALID, field: stamp}).encode()])


def test_pathological_shapes():
    check([
        nested(5000), nested(100_000), b'{"a":' * 3000 + b"1" + b"}" * 3000,
        json.dumps({**VALID, "gmv_fen": 10**4000}).encode(), b"1e999999", b"-" * 10_000,
        json.dumps({**VALID, "session_id": "\ud800"}).encode("utf-8", "surrogatepass"),
        json.dumps({**VALID, "room_id": "房间\u0000\u202e"}, ensure_ascii=False).encode(),
        b"\xff\xfe\x00{", b"\xef\xbb\xbf" + json.dumps(VALID).encode(), None, b"",
        json.dumps(VALID).encode() + b" trailing",
    ], keys=[b"\xff\xfe", None, b"", b"ok", b"\x00", b"k", b"k", b"k", b"k", b"k", b"k", b"k", b"k"])
