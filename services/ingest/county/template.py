"""The county report template (schemas/county_reports/README.md): its Chinese column
headers and the names a park may write for each code. Codes are accepted as well."""

from schemas.platforms import CATEGORY_NAMES

COUNTY = "县区"
PLATFORM = "平台"
ROOM = "直播间ID"
SESSION = "场次ID"
SPECIAL = "专场"
OBSERVED = "数据时间"
STATUS = "状态"
ONLINE = "在线人数"
VIEWERS = "累计观看人数"
ORDERS = "成交订单数"
UNITS = "成交件数"
GMV = "成交金额（元）"
PRODUCTS = "直播商品数"
CATEGORIES = "商品品类"

HEADERS = (COUNTY, PLATFORM, ROOM, SESSION, SPECIAL, OBSERVED, STATUS, ONLINE, VIEWERS, ORDERS, UNITS, GMV,
           PRODUCTS, CATEGORIES)
OPTIONAL = frozenset({SPECIAL, ONLINE, CATEGORIES})  # blank is allowed (在线人数 only once ended)

COUNTIES = {
    "清远市": "city", "市级": "city", "清远市（市级）": "city",
    "清城区": "qingcheng", "清城": "qingcheng", "清新区": "qingxin", "清新": "qingxin",
    "英德市": "yingde", "英德": "yingde", "连州市": "lianzhou", "连州": "lianzhou",
    "佛冈县": "fogang", "佛冈": "fogang", "阳山县": "yangshan", "阳山": "yangshan",
    "连山壮族瑶族自治县": "lianshan", "连山县": "lianshan", "连山": "lianshan",
    "连南瑶族自治县": "liannan", "连南县": "liannan", "连南": "liannan",
}
PLATFORMS = {
    "抖音": "douyin", "抖音电商": "douyin", "淘宝": "taobao", "淘宝直播": "taobao", "微视": "weishi",
    "视频号": "channels", "微信视频号": "channels", "爱逛": "aiguang", "一直播": "yizhibo",
    "小程序": "miniprogram", "小程序直播": "miniprogram", "快手": "kuaishou",
}
SPECIALS: dict[str, str | None] = {
    "": None, "无": None, "常态化直播": None,
    "启动仪式": "launch", "趣摆摊": "launch", "启动仪式+趣摆摊惠生活专场": "launch",
    "乡村振兴": "rural", "乡村振兴专场": "rural", "时尚清远": "fashion", "时尚清远专场": "fashion",
}
STATUSES = {"直播中": "live", "已结束": "ended", "已下播": "ended", "直播结束": "ended", "已关播": "ended"}
CATEGORIES_ZH = {**CATEGORY_NAMES, "旅游套票": "travel", "民宿": "travel", "旅游套票/民宿": "travel"}
CATEGORY_NAMES_SHOWN = tuple(CATEGORY_NAMES)  # 农产品 … 其他, as the template's notes list them


# Each contract field's name in the template: how a problem names a field an export lacks.
LABELS = {"county": COUNTY, "platform": PLATFORM, "room_id": ROOM, "session_id": SESSION, "special": SPECIAL,
          "observed_at": OBSERVED, "status": STATUS, "viewers_online": ONLINE, "viewers_total": VIEWERS,
          "orders": ORDERS, "units_sold": UNITS, "gmv": GMV, "products_listed": PRODUCTS,
          "categories": CATEGORIES, "refund": "退款金额（元）", "start": "开播时间"}
