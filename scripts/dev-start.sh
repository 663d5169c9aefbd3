#!/usr/bin/env bash
# Sets up what is missing and starts the gateway on its embedded defaults (demo mode): embedded
# MQTT broker on 127.0.0.1:1883, built-in provider simulator, status page on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ldconfig -p 2>/dev/null | grep -q 'libusb-1.0.so.0'; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq libusb-1.0-0 >/dev/null
  else
    echo "note: libusb-1.0-0 is missing (USB HID scanners need it): sudo apt-get install libusb-1.0-0" >&2
  fi
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
export EDGE_DATA_DIR="${EDGE_DATA_DIR:-$PWD/.edge-data}"
exec node bin/edge-gateway.js start "$@"
