"""One adapter per platform: a pure `normalize(raw, room, carry, polled_at) -> Snapshot | None`
in `<platform>.py`, and the polling code for its back-office API in `<platform>_api.py`."""

from types import ModuleType
from typing import TYPE_CHECKING

from services.ingest.adapters import (
    aiguang,
    channels,
    douyin,
    kuaishou,
    miniprogram,
    taobao,
    weishi,
    yizhibo,
)

if TYPE_CHECKING:
    from services.ingest.adapters.api import PlatformApi

NORMALIZERS: dict[str, ModuleType] = {
    m.PLATFORM: m for m in (douyin, taobao, weishi, channels, aiguang, yizhibo, miniprogram, kuaishou)
}


def apis() -> dict[str, "PlatformApi"]:
    """The polling module of every platform (imported lazily: they need httpx)."""
    from services.ingest.adapters import (
        aiguang_api,
        channels_api,
        douyin_api,
        kuaishou_api,
        miniprogram_api,
        taobao_api,
        weishi_api,
        yizhibo_api,
    )

    modules = (douyin_api, taobao_api, weishi_api, channels_api, aiguang_api, yizhibo_api, miniprogram_api,
               kuaishou_api)
    return {m.API.platform: m.API for m in modules}
