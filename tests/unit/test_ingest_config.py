"""The shipped adapters' configuration is the one the default simulator needs, and loads."""

from pathlib import Path

from livefest.simconfig import simulator_config, to_toml
from services.ingest.config import load
from services.simulator.backoffice import platform_room_id
from services.simulator.script import ScriptedFestival

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "ingest.example.toml"


def test_example_config_matches_the_default_simulated_festival():
    festival = ScriptedFestival.fitted(2021, 60, 3.0)
    expected = to_toml(simulator_config(festival, "http://127.0.0.1:8100"))
    assert EXAMPLE.read_text(encoding="utf-8") == expected, "regenerate: livefest simulate --print-config"


def test_example_config_loads_and_attributes_every_room():
    config = load(EXAMPLE)
    festival = ScriptedFestival.fitted(2021, 60, 3.0)
    rooms = {(p, r.room_id): (r.county, r.special) for p, c in config.platforms.items() for r in c.rooms}
    assert config.qianchuan is not None
    rooms.update({("douyin", r.room_id): (r.county, r.special) for r in config.qianchuan.rooms})
    assert rooms == {(p.platform, platform_room_id(p)): (p.county, p.special) for p in festival.plans}
    # Every room is polled once: a Douyin room read through Qianchuan is not in [platforms.douyin].
    douyin = {r.room_id for r in config.platforms["douyin"].rooms}
    assert douyin.isdisjoint({r.room_id for r in config.qianchuan.rooms})
    assert {r.room_id for r in config.qianchuan.rooms} == {p.room_id for p in festival.plans if p.qianchuan}
    # WeChat Channels: every room is an account with credentials of its own.
    assert all(r.client_id and r.client_secret for r in config.platforms["channels"].rooms)
    assert config.platforms["douyin"].topic_stats and not config.platforms["taobao"].topic_stats
    assert set(config.platforms) == {"douyin", "taobao", "weishi", "channels", "aiguang", "yizhibo", "miniprogram",
                                     "kuaishou"}


def test_example_config_holds_the_hand_written_settings_and_rooms():
    """Written out by hand (not generated): what the example must say for the simulator on
    127.0.0.1:8100, so a wrong generator cannot also be the thing it is compared with."""
    config = load(EXAMPLE)
    for name, platform in config.platforms.items():
        assert (platform.base_url, platform.client_id, platform.client_secret.get_secret_value()) == (
            f"http://127.0.0.1:8100/{name}", f"livefest-{name}", f"sim-secret-{name}"), name
        assert (platform.poll_seconds, platform.concurrency, platform.rate_per_second, platform.timeout_seconds,
                platform.retries, platform.backoff_seconds, platform.backoff_max_seconds) == (
            2.0, 4, 20.0, 5.0, 4, 0.2, 5.0), name
        assert platform.topic_stats is (name == "douyin"), name
    douyin = {r.room_id: (r.county, r.special) for r in config.platforms["douyin"].rooms}
    assert douyin["douyin-stall-fogang-0010"] == ("fogang", "launch")
    assert "douyin-main-city-0000" not in douyin
    assert config.qianchuan is not None
    qianchuan = {r.room_id: r for r in config.qianchuan.rooms}
    main = qianchuan["douyin-main-city-0000"]
    assert (main.county, main.special, main.advertiser_id, main.aweme_id) == (
        "city", "launch", 1760000000000000, 3000000000000000)
    assert qianchuan["douyin-brand-yingde-0042"].advertiser_id == 1760000000000042
    assert (config.qianchuan.base_url, config.qianchuan.client_id, config.qianchuan.client_secret.get_secret_value(),
            config.qianchuan.simulator_authorizes) == (
        "http://127.0.0.1:8100/qianchuan", "1700000000000001", "sim-secret-qianchuan", True)
    assert len(qianchuan) == 11
    channels = {r.room_id: r for r in config.platforms["channels"].rooms}
    room = channels["channels-brand-yangshan-0041"]
    assert (room.county, room.special, room.client_id, room.client_secret.get_secret_value()) == (
        "yangshan", "fashion", "livefest-channels-channels-brand-yangshan-0041",
        "sim-secret-channels-channels-brand-yangshan-0041")
    assert sum(len(p.rooms) for p in config.platforms.values()) + len(qianchuan) == 60
