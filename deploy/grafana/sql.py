"""SQL fragments both dashboards share (ClickHouse, the migrated schema's views)."""

from services.api.queries import ONLINE_SERIES  # the repository's package (make install: pip install -e .)

COUNTY_NAMES = ("transform(county, ['city','qingcheng','qingxin','yingde','lianzhou','fogang','yangshan',"
                "'lianshan','liannan'], ['清远市','清城区','清新区','英德市','连州市','佛冈县','阳山县',"
                "'连山壮族瑶族自治县','连南瑶族自治县'], county)")
PLATFORM_NAMES = ("transform(platform, ['douyin','taobao','weishi','channels','aiguang','yizhibo','miniprogram',"
                  "'kuaishou'], ['抖音电商','淘宝直播','微视','视频号','爱逛','一直播','小程序','快手'], platform)")
# Live at the watermark exactly as the API decides it (contract section 2: 120 s window; the
# watermark of amendment 1.1, the greatest min(observed_at, broker append time): migration 0008).
WM = "(SELECT toUnixTimestamp64Micro(max(mark)) FROM lane_newest)"
LIVE = f"status = 'live' AND {WM} - toUnixTimestamp64Micro(observed_at) <= 120000000"
COUNTY_FILTER = "(${county:sqlstring} = 'all' OR county = ${county:sqlstring})"

# Viewers online per interval exactly as GET /v1/timeseries answers it (contract section 3:
# each live session's latest reading carried forward within the 120 s window): the API's
# own query, its parameters bound to the panel's range, interval (whole minutes) and the
# ${county} variable. Intervals with nobody online are left out (the panel draws them as 0).
_START = "toInt64(intDiv(toUnixTimestamp($__fromTime), 60) * 60)"
_STEP = "toInt64(greatest(60, intDiv($__interval_s, 60) * 60))"
_ONLINE_PARAMS = {
    "{start_s:Int64}": _START,
    "{step_s:Int64}": _STEP,
    "{buckets:Int64}": f"toInt64(intDiv(toUnixTimestamp($__toTime) - {_START} + {_STEP} - 1, {_STEP}))",
    "{stale_us:Int64}": "toInt64(120000000)",
    "{wm:Int64}": f"toInt64({WM})",
    "{county:Nullable(String)}": "if(${county:sqlstring} = 'all', NULL, ${county:sqlstring})",
}


def _online_series() -> str:
    sql = ONLINE_SERIES
    for parameter, value in _ONLINE_PARAMS.items():
        sql = sql.replace(parameter, value)
    return f"""
            SELECT toDateTime({_START} + toInt64(bucket) * {_STEP}) AS time, value AS viewers_online
            FROM ({sql})
            ORDER BY time"""


VIEWERS_ONLINE_SERIES = _online_series()
