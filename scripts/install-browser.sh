#!/usr/bin/env bash
# Installs what the big screen's browser tests render with, from Debian's packages, when
# missing: `chromium` (the browser Playwright drives: Playwright cannot download its own
# here) and `fonts-noto-cjk` (without a CJK font, every Chinese label renders as boxes), with
# `fontconfig` for `fc-list`, which checks the font is found (chromium needs only its library).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-cjk)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
[ "${#missing[@]}" = 0 ] && exit 0

echo "installing Debian's ${missing[*]} (for the big screen's browser tests)"
# Other sessions may hold dpkg's lock for a while: wait for it rather than fail.
APT=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${APT[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v chromium >/dev/null || { echo "chromium still missing after installing it" >&2; exit 1; }
fc-list :lang=zh family | grep -qi "Noto Sans CJK" || { echo "no Noto CJK font after installing fonts-noto-cjk" >&2; exit 1; }
