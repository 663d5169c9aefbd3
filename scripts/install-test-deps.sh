#!/usr/bin/env bash
# Installs what the test suite needs on Debian 12, only what is missing: real parts are used in
# tests (socat ptys, Mosquitto as the ops broker, Chromium for the page, libusb for node-hid), and
# the appliance tests use systemd's and udev's own checkers (systemd-analyze, udevadm), rsync for
# scripts/install and strace to see the system calls the installed gateway makes.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v socat >/dev/null || need+=(socat)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v chromium >/dev/null || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libusb-1.0.so.0' || need+=(libusb-1.0-0)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v udevadm >/dev/null || need+=(udev)
command -v rsync >/dev/null || need+=(rsync)
command -v strace >/dev/null || need+=(strace)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} — run as root or: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packaged Mosquitto service is not used by tests (they start their own on a free port).
  systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi

# node_modules present and matching the lock file, else a clean install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
