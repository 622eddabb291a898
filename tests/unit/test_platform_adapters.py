"""Every example payload of the simulator-only back offices (schemas/platforms/examples/)
through that platform's pure envelope parsing and `normalize`, with the exact expected
snapshots. The documented APIs (WeChat Channels, mini-program live) have their own
modules: test_channels_adapter.py, test_miniprogram_adapter.py."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kernel.timeutil import rfc3339
from services.ingest.adapters import NORMALIZERS, apis, douyin
from services.ingest.adapters.api import TokenExpired
from services.ingest.adapters.common import Attribution, Carry, MalformedPayload

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "platforms" / "examples"
ROOM = Attribution("yingde", "rural")


def snap(sid: str, room: str, at: str, status: str, online: int, total: int, orders: int, units: int, gmv: int,
         products: int, categories: list[str]) -> dict[str, Any]:
    return {"session_id": sid, "room_id": room, "observed_at": at, "status": status, "viewers_online": online,
            "viewers_total": total, "orders": orders, "units_sold": units, "gmv_fen": gmv,
            "products_listed": products, "categories": categories}


# Per example: one outcome per record: the snapshot's fields, None (no session yet), or the
# reason it is rejected; or an exception type for answers that are errors as a whole.
EXPECTED: dict[str, Any] = {
    "douyin/room_data_live": [snap("douyin:20210000", "douyin-main-city-0000", "2021-10-23T10:05:00.000+08:00",
                                   "live", 1520, 20433, 311, 402, 5843210, 24, ["agri", "electronics", "furniture"])],
    "douyin/room_data_ended_after_refund": [snap(
        "douyin:20210000", "douyin-main-city-0000", "2021-10-23T14:00:00.000+08:00", "ended", 0, 90121, 1290, 1702,
        25843200, 30, ["agri", "electronics", "furniture"])],
    "douyin/room_data_trailer": [None],
    "douyin/room_data_unknown_status": ["unknown_status"],
    "douyin/room_data_missing_amount": ["malformed"],
    "douyin/room_data_token_expired": TokenExpired,
    "douyin/topic_stats": "topic",
    "taobao/rooms_page": [
        None,
        snap("taobao:20210014", "taobao-park-fogang-0014", "2021-10-27T23:59:58.000+08:00", "live", 267, 3085, 93,
             120, 1757164, 21, ["agri", "travel"]),
        # After midnight the day's counters restart (a refund even makes them negative);
        # with the closed day carried over the session figures continue.
        snap("taobao:20210014", "taobao-park-fogang-0014", "2021-10-28T00:00:03.000+08:00", "live", 259,
             3090 + 4, 94 - 1, 121 - 1, 1766154 - 8990, 21, ["agri", "travel"]),
    ],
    "taobao/rooms_sub_fen": ["sub_fen"],
    "taobao/session_expired": TokenExpired,
    "taobao/daily": "daily",
    "weishi/stats_live": [snap("weishi:20210031", "weishi-stall-lianzhou-0031", "2021-10-23T12:00:01.250+08:00",
                               "live", 88, 1312, 17, 19, 123450, 12, ["beauty", "jewelry"])],
    # 0.29 is 0.28999999999999998 in binary; float arithmetic would give 28 fen.
    "weishi/stats_float_not_exact_in_binary": [snap(
        "weishi:20210031", "weishi-stall-lianzhou-0031", "2021-10-23T13:00:00.000+08:00", "ended", 0, 2001, 3, 3,
        29, 12, ["beauty"])],
    "weishi/stats_large_amount": [snap("weishi:20210031", "weishi-stall-lianzhou-0031",
                                       "2021-10-23T12:00:01.250+08:00", "live", 88, 1312, 17, 19, 9876543210, 12,
                                       ["auto"])],
    "weishi/stats_sub_fen": ["sub_fen"],
    "weishi/stats_bool_count": ["malformed"],
    "aiguang/stats_page": [
        None,
        snap("aiguang:20210011", "aiguang-stall-yangshan-0011", "2021-10-23T12:00:03.999+08:00", "live", 41, 380, 9,
             11, 108800, 8, ["appliance"]),
        snap("aiguang:20210012", "aiguang-stall-lianshan-0012", "2021-10-23T13:00:00.000+08:00", "ended", 0, 1200,
             40, 52, 520010, 15, ["appliance", "furniture"]),
    ],
    "aiguang/stats_sub_fen": ["sub_fen"],
    "aiguang/stats_unknown_state": ["unknown_status"],
    "yizhibo/list_page": [
        snap("yizhibo:20210016", "yizhibo-park-lianzhou-0016", "2021-10-26T00:00:01.000+08:00", "live", 310, 2891,
             58, 73, 654321, 18, ["agri", "travel"]),
        snap("yizhibo:20210017", "yizhibo-park-fogang-0017", "2021-10-26T01:30:00.000+08:00", "ended", 0, 1001, 12,
             12, 10000, 6, []),
    ],
    "yizhibo/list_bad_time": ["malformed"],
    "yizhibo/list_count_not_a_number": ["malformed"],
    "kuaishou/stats_page": [
        snap("kuaishou:20210019", "kuaishou-park-yangshan-0019", "2021-10-28T23:59:59.500+08:00", "live", 1203,
             15002, 402, 530, 7012345, 40, ["agri"]),
        None,
    ],
    "kuaishou/stats_last_page": [snap("kuaishou:20210019", "kuaishou-park-yangshan-0019",
                                      "2021-10-29T01:00:00.000+08:00", "ended", 0, 20000, 500, 650, 10, 40,
                                      ["agri", "travel"])],
    "kuaishou/stats_sub_fen": ["sub_fen"],
    "kuaishou/token_expired": TokenExpired,
}


def load(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


DOCUMENTED = {"channels", "miniprogram"}
# Documented APIs with example folders of their own (run by their own tests), which are not
# a platform's simulator-only back office: Douyin through Qianchuan (test_qianchuan_adapter.py).
OTHER_APIS = {"qianchuan"}


def test_every_example_has_an_expected_outcome():
    found = {f"{p.parent.name}/{p.stem}" for p in EXAMPLES.glob("*/*.json")
             if p.parent.name not in DOCUMENTED | OTHER_APIS}
    assert found == set(EXPECTED)
    assert {name.split("/")[0] for name in found} == set(NORMALIZERS) - DOCUMENTED


def carry_for(platform: str, row: Any) -> Carry:
    """Per-day platforms: the closed day before the row's statistics day, from `daily.json`."""
    api = apis()[platform]
    if not api.per_day:
        return Carry()
    first, today = api.days(row)
    if today == first:
        return Carry()
    assert today - first == timedelta(days=1)
    daily = api.unwrap(load(f"{platform}/daily"))
    return NORMALIZERS[platform].daily(daily.get("live_stats_daily_response") or daily.get("data"))


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if isinstance(e, list)))
def test_normalize_example(name: str):
    platform = name.split("/")[0]
    api, adapter = apis()[platform], NORMALIZERS[platform]
    rows = api.rows(api.unwrap(load(name)))
    expected = EXPECTED[name]
    assert len(rows) == len(expected)
    for row, outcome in zip(rows, expected, strict=True):
        if isinstance(outcome, str):
            with pytest.raises(MalformedPayload) as caught:
                adapter.normalize(row, ROOM, carry_for(platform, row) if "start_time" in row else Carry())
            assert caught.value.reason == outcome
            continue
        snapshot = adapter.normalize(row, ROOM, carry_for(platform, row) if outcome else Carry())
        if outcome is None:
            assert snapshot is None
            continue
        assert snapshot is not None
        wire = {**snapshot.to_wire(), "observed_at": rfc3339(snapshot.observed_at)}
        assert {k: wire[k] for k in outcome} == outcome
        assert (wire["platform"], wire["county"], wire["special"]) == (platform, "yingde", "rural")


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e is TokenExpired))
def test_expired_token_answers_are_recognised(name: str):
    api = apis()[name.split("/")[0]]
    with pytest.raises(TokenExpired):
        api.unwrap(load(name))


def test_daily_examples():
    taobao_day = load("taobao/daily")["live_stats_daily_response"]
    assert NORMALIZERS["taobao"].daily(taobao_day) == Carry(3090, 94, 121, 1766154)


def test_douyin_topic_stats_example():
    readings = douyin.topic_stats(apis()["douyin"].unwrap(load("douyin/topic_stats")))
    assert [(r.special, r.reads) for r in readings] == [("launch", 1185713), ("rural", 0), ("fashion", 0)]
    assert {r.topic for r in readings} == {"粤贸全国云上清远"}
    assert {r.observed_at.isoformat() for r in readings} == {"2021-10-23T20:10:00+08:00"}
    assert json.loads(readings[0].to_json_bytes())["schema"] == "livefest.topicstats.v1"


def test_unknown_douyin_activity_is_rejected():
    payload = {"hashtag": "粤贸全国云上清远", "update_time": 1634991000,
               "activities": [{"activity": "双十一专场", "view_cnt": 5}]}
    with pytest.raises(MalformedPayload) as caught:
        douyin.topic_stats(payload)
    assert caught.value.reason == "unknown_activity"
