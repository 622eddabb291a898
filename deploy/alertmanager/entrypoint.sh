#!/bin/sh
# Starts Alertmanager with alertmanager.yml's ${NAME} placeholders filled in from the
# environment (Alertmanager reads no environment, and no secret belongs in the file).
#
#   entrypoint.sh [alertmanager flags…]   render, then exec Alertmanager with the result
#   entrypoint.sh --render-only           render and print the path of the result
#
# A placeholder whose variable is unset stops it with the variable's name. Paths (for the
# tests, which run it outside the container): ALERTMANAGER_CONFIG (the shipped file),
# ALERTMANAGER_RENDERED (where the result goes), ALERTMANAGER_BIN (the binary).
set -eu
config="${ALERTMANAGER_CONFIG:-/etc/alertmanager/alertmanager.yml}"
rendered="${ALERTMANAGER_RENDERED:-/tmp/alertmanager.yml}"
binary="${ALERTMANAGER_BIN:-/bin/alertmanager}"

cp "$config" "$rendered"
for name in $(grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' "$config" | tr -d '${}' | sort -u); do
    value="$(printenv "$name")" || { echo "$name is not set: $config needs it" >&2; exit 1; }
    # Escape what sed's replacement would interpret: the delimiter, & and backslashes.
    escaped="$(printf '%s' "$value" | sed -e 's/[|&\\]/\\&/g')"
    sed -i "s|\${$name}|$escaped|g" "$rendered"
done

if [ "${1:-}" = "--render-only" ]; then
    echo "$rendered"
    exit 0
fi
exec "$binary" --config.file="$rendered" "$@"
