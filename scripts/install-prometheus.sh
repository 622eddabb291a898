#!/usr/bin/env bash
# Installs Prometheus' real tools from Debian's packages when they are missing; the tests
# run them: `prometheus` (prometheus, promtool) and `prometheus-alertmanager`
# (prometheus-alertmanager, amtool). Each package registers a system service (ports 9090,
# 9093/9094): it is stopped and disabled, because livefest's tests start their own
# Prometheus and Alertmanager on private ports and nothing should hold the defaults.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# package -> the command that shows it is installed
declare -A PACKAGES=([prometheus]=promtool [prometheus-alertmanager]=amtool)
missing=()
for package in "${!PACKAGES[@]}"; do
    command -v "${PACKAGES[$package]}" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" = 0 ] && exit 0

echo "installing Debian's ${missing[*]} (for promtool, amtool and the alerting tests)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for package in "${missing[@]}"; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now "$package" >/dev/null 2>&1 || true
    elif command -v service >/dev/null 2>&1; then
        $SUDO service "$package" stop >/dev/null 2>&1 || true
    fi
    command -v "${PACKAGES[$package]}" >/dev/null || {
        echo "${PACKAGES[$package]} still missing after installing $package" >&2; exit 1; }
done
