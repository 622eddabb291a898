"""The vocabulary the platforms' back offices share, as the pages beside this file
document it: the Chinese names they give the contract's categories, and the Douyin
activity the organiser registered for each special under the festival hashtag.

The adapters (services/ingest) read these names; the simulated back offices
(services/simulator) write them from a copy of their own, so that each side tests the other.
"""

# The back offices name categories in Chinese; unknown names fall into `other`.
CATEGORY_NAMES: dict[str, str] = {
    "农产品": "agri",
    "服装": "apparel",
    "家具": "furniture",
    "美妆": "beauty",
    "珠宝": "jewelry",
    "电器": "appliance",
    "电子产品": "electronics",
    "汽车": "auto",
    "旅游": "travel",
    "其他": "other",
}

# The organiser registered one Douyin activity per special under the festival hashtag.
DOUYIN_ACTIVITIES: dict[str, str] = {"启动仪式专场": "launch", "乡村振兴专场": "rural", "时尚清远专场": "fashion"}
