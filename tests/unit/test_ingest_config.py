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
    assert rooms == {(p.platform, platform_room_id(p)): (p.county, p.special) for p in festival.plans}
    # WeChat Channels: every room is an account with credentials of its own.
    assert all(r.client_id and r.client_secret for r in config.platforms["channels"].rooms)
    assert config.platforms["douyin"].topic_stats and not config.platforms["taobao"].topic_stats
    assert set(config.platforms) == {"douyin", "taobao", "weishi", "channels", "aiguang", "yizhibo", "miniprogram",
                                     "kuaishou"}
