"""The browser tests' harness never skips: without Debian's chromium or the Noto CJK font,
a browser test fails and says what to install (in CI as anywhere)."""

import pytest

from tests.support import browser


def test_a_missing_chromium_fails_the_test(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="chromium is missing: run `make install`"):
        with browser.chromium():
            pass


def test_a_missing_cjk_font_fails_the_test(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(browser.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(browser, "cjk_font_installed", lambda: False)
    with pytest.raises(pytest.fail.Exception, match="no Noto Sans CJK SC font"):
        with browser.chromium():
            pass


def test_no_fontconfig_means_no_font(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    assert browser.cjk_font_installed() is False
