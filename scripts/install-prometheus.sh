#!/usr/bin/env bash
# Installs Prometheus' real tools (prometheus, promtool) from Debian's `prometheus`
# package when promtool is missing; the tests run them. Debian's package registers a
# system service on port 9090: it is stopped and disabled, because livefest's tests
# start their own Prometheus on private ports and nothing should hold 9090.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "promtool is missing: installing Debian's prometheus package"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
elif command -v service >/dev/null 2>&1; then
    $SUDO service prometheus stop >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null || { echo "promtool still missing after installing prometheus" >&2; exit 1; }
