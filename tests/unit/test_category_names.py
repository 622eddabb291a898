"""The back offices' Chinese category names (schemas/platforms/README.md), written out here by
hand, against both sides of the wire: what the simulator writes and what the adapters read."""

from services.ingest.adapters.common import categories
from services.simulator.platforms.base import names

# The contract's ten categories (contract.md, `categories`) and their names in the platforms' docs.
DOCUMENTED = {
    "agri": "农产品", "apparel": "服装", "furniture": "家具", "beauty": "美妆", "jewelry": "珠宝",
    "appliance": "电器", "electronics": "电子产品", "auto": "汽车", "travel": "旅游", "other": "其他",
}


def test_the_simulator_writes_the_documented_names():
    assert names(list(DOCUMENTED)) == list(DOCUMENTED.values())


def test_the_adapters_read_each_documented_name_as_its_code():
    for code, name in DOCUMENTED.items():
        assert categories([name]) == (code,), name
    assert categories([" 美妆 ", "服装", "美妆"]) == ("apparel", "beauty")


def test_unknown_names_are_other():
    assert categories(["玩具", "家具"]) == ("furniture", "other")
