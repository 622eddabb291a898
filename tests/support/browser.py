"""Debian's Chromium driven by Playwright (its driver only: Playwright cannot download a
browser here), with Debian's Noto CJK fonts, for the big screen's tests. Screenshots go to
tests/artifacts/ (git-ignored) for a person to look at. A missing browser or font fails the
test (`make install` installs both: scripts/install-browser.sh); nothing here skips."""

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WALL = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
# Headless, and without the background services whose connections this machine refuses.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The family fonts-noto-cjk installs, first in the page's font stack (screen.css).
CJK_FONT = "Noto Sans CJK SC"


def cjk_font_installed() -> bool:
    """Whether fontconfig (which Chromium renders with) knows the Noto CJK font."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    families = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=60).stdout
    return CJK_FONT in families


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is missing: run `make install` (scripts/install-browser.sh)")
    if not cjk_font_installed():
        pytest.fail(f"no {CJK_FONT} font (Chinese would render as boxes): run `make install` "
                    "(scripts/install-browser.sh installs fonts-noto-cjk and fontconfig)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class ScreenPage:
    """One /screen in a fresh browser profile, with every console error and page error it
    met and every URL it asked for."""

    def __init__(self, browser: Browser, url: str, viewport: dict[str, int] = WALL) -> None:
        self.context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)

    def wait_for(self, predicate: str, what: str, timeout_s: float = 60, arg: Any = None) -> None:
        """Waits until the JavaScript `predicate` (a function of `arg`) is true in the page."""
        try:
            self.page.wait_for_function(predicate, arg=arg, timeout=timeout_s * 1000)
        except Exception as exc:
            raise AssertionError(f"the screen never showed {what} in {timeout_s:.0f} s "
                                 f"(status: {self.status()!r}, console errors: {self.errors})") from exc

    def wait_for_gmv(self, fen: int, timeout_s: float = 60) -> None:
        self.wait_for("(fen) => document.querySelector('#gmv').dataset.fen === fen",
                      f"a GMV of {fen} fen", timeout_s, str(fen))

    def wait_for_status(self, state: str, timeout_s: float = 60) -> None:
        self.wait_for("(state) => document.querySelector('#status').dataset.state === state",
                      f"the status {state!r}", timeout_s, state)

    def gmv_fen(self) -> int:
        return int(self.page.get_attribute("#gmv", "data-fen") or "-1")

    def updates(self) -> int:
        return int(self.page.get_attribute("body", "data-updates") or "0")

    def status(self) -> str:
        return self.page.get_attribute("#status", "data-state") or ""

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def chart_option(self, element_id: str) -> Any:
        """The ECharts option a chart is drawing (its canvas has no text to read)."""
        return self.page.evaluate("(id) => echarts.getInstanceByDom(document.getElementById(id)).getOption()",
                                  element_id)

    def rendered_fonts(self, selector: str) -> list[str]:
        """The platform fonts Chromium actually drew the text of `selector` with (DevTools'
        CSS.getPlatformFontsForNode): what a person would see, not what the CSS asks for."""
        cdp = self.context.new_cdp_session(self.page)
        try:
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument")["root"]["nodeId"]
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            return [font["familyName"] for font in fonts]
        finally:
            cdp.detach()

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()
