"""SQL fragments both dashboards share (ClickHouse, the migrated schema's views)."""

COUNTY_NAMES = ("transform(county, ['city','qingcheng','qingxin','yingde','lianzhou','fogang','yangshan',"
                "'lianshan','liannan'], ['清远市','清城区','清新区','英德市','连州市','佛冈县','阳山县',"
                "'连山壮族瑶族自治县','连南瑶族自治县'], county)")
PLATFORM_NAMES = ("transform(platform, ['douyin','taobao','weishi','channels','aiguang','yizhibo','miniprogram',"
                  "'kuaishou'], ['抖音电商','淘宝直播','微视','视频号','爱逛','一直播','小程序','快手'], platform)")
# Live at the watermark exactly as the API decides it (contract section 2: 120 s window).
WM = "(SELECT toUnixTimestamp64Micro(max(observed_at)) FROM session_newest)"
LIVE = f"status = 'live' AND {WM} - toUnixTimestamp64Micro(observed_at) <= 120000000"
COUNTY_FILTER = "(${county:sqlstring} = 'all' OR county = ${county:sqlstring})"
