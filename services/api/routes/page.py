"""GET /screen: the festival's big screen (数据大屏), a page for the wall and for phones.

The page holds no figures: it draws what GET /v1/stream pushes. Everything it loads comes
from here (no CDN: the venue may be offline), Apache ECharts included, served from the npm
package `make install` put beside the page (services/api/screen/package-lock.json pins it).
"""

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(tags=["screen"], include_in_schema=False)

PAGE_DIR = Path(__file__).resolve().parent.parent / "screen"
ECHARTS = PAGE_DIR / "node_modules" / "echarts" / "dist" / "echarts.min.js"
# Only these files are served (no directory listing, no path from the request reaches the disk).
ASSETS = {
    "screen.css": "text/css",
    "screen.js": "text/javascript",
    "money.js": "text/javascript",
    "names.js": "text/javascript",
    "charts.js": "text/javascript",
    "link.js": "text/javascript",
}
# Revalidate every time (the ETag makes that cheap): a screen reloaded after an upgrade must
# not mix old and new modules.
FRESH = {"Cache-Control": "no-cache"}


@router.get("/screen")
def page() -> FileResponse:
    return FileResponse(PAGE_DIR / "index.html", media_type="text/html; charset=utf-8", headers=FRESH)


@router.get("/screen/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(status_code=404, detail=f"no screen asset {name!r}")
    return FileResponse(PAGE_DIR / name, media_type=f"{ASSETS[name]}; charset=utf-8", headers=FRESH)


@router.get("/screen/vendor/echarts.min.js")
def echarts() -> FileResponse:
    if not ECHARTS.is_file():
        raise HTTPException(
            status_code=503,
            detail=f"Apache ECharts is not installed at {ECHARTS}: run `make install` (npm ci in {PAGE_DIR})",
        )
    return FileResponse(ECHARTS, media_type="text/javascript; charset=utf-8", headers=FRESH)
