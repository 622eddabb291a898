"""Chinese and English names of the contract's codes, as officials read them in reports."""

COUNTY_NAMES: dict[str, tuple[str, str]] = {
    "city": ("清远市（市级）", "Qingyuan city"),
    "qingcheng": ("清城区", "Qingcheng"),
    "qingxin": ("清新区", "Qingxin"),
    "yingde": ("英德市", "Yingde"),
    "lianzhou": ("连州市", "Lianzhou"),
    "fogang": ("佛冈县", "Fogang"),
    "yangshan": ("阳山县", "Yangshan"),
    "lianshan": ("连山壮族瑶族自治县", "Lianshan"),
    "liannan": ("连南瑶族自治县", "Liannan"),
}

PLATFORM_NAMES: dict[str, tuple[str, str]] = {
    "douyin": ("抖音电商", "Douyin"),
    "taobao": ("淘宝直播", "Taobao Live"),
    "weishi": ("微视", "Weishi"),
    "channels": ("视频号", "WeChat Channels"),
    "aiguang": ("爱逛", "Aiguang"),
    "yizhibo": ("一直播", "Yizhibo"),
    "miniprogram": ("小程序", "Mini-program shops"),
    "kuaishou": ("快手", "Kuaishou"),
}

# "" is how the store spells "no special": ordinary merchant broadcasts (常态化直播).
SPECIAL_NAMES: dict[str, tuple[str, str]] = {
    "launch": ("启动仪式+趣摆摊惠生活专场", "Launch & street stalls"),
    "rural": ("乡村振兴专场", "Rural revitalisation"),
    "fashion": ("时尚清远专场", "Fashion Qingyuan"),
    "": ("常态化直播", "Ordinary broadcasts"),
}

CATEGORY_NAMES: dict[str, str] = {
    "agri": "农产品",
    "apparel": "服装",
    "furniture": "家具",
    "beauty": "美妆",
    "jewelry": "珠宝",
    "appliance": "电器",
    "electronics": "电子产品",
    "auto": "汽车",
    "travel": "旅游套票/民宿",
    "other": "其他",
}


def categories_zh(codes: tuple[str, ...]) -> str:
    return "、".join(CATEGORY_NAMES.get(code, code) for code in codes)
