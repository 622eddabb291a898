"""The shipped adapters' configuration is the one the default simulator needs, and loads."""

from pathlib import Path

from livefest.simconfig import simulator_config, to_toml
from services.ingest.config import load
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
    assert rooms == {(p.platform, p.room_id): (p.county, p.special) for p in festival.plans}
    assert config.platforms["douyin"].topic_stats and not config.platforms["taobao"].topic_stats
    assert set(config.platforms) == {"douyin", "taobao", "weishi", "channels", "aiguang", "yizhibo", "miniprogram",
                                     "kuaishou"}
