#!/usr/bin/env bash
# Installs the gateway on a fresh Raspberry Pi OS (Debian 12, Node >= 20; 22/24 recommended):
# system packages, a dedicated user, the app under /opt/edge-gateway, the systemd unit, udev rules
# and the boot firmware fragment. Idempotent: run it again to upgrade.
#   sudo scripts/install.sh [--overlayfs]
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
src="$(cd "$(dirname "$0")/.." && pwd)"
dest=/opt/edge-gateway
overlay=false
[ "${1:-}" = "--overlayfs" ] && overlay=true

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "Node.js >= 20 is required (22 or 24 LTS recommended)" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends libusb-1.0-0 rsync >/dev/null

id edge-gateway >/dev/null 2>&1 || useradd --system --home /var/lib/edge-gateway --shell /usr/sbin/nologin \
  --groups dialout,plugdev edge-gateway

mkdir -p "$dest"
rsync -a --delete --exclude node_modules --exclude .git --exclude .edge-data "$src/" "$dest/"
# Build the compiled dist/ the service runs (NODE_ENV=production), then drop the build tools.
(cd "$dest" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)

install -m 0644 "$dest/systemd/edge-gateway.service" /etc/systemd/system/edge-gateway.service
install -m 0644 "$dest/systemd/99-edge-gateway.rules" /etc/udev/rules.d/99-edge-gateway.rules
udevadm control --reload-rules && udevadm trigger || true

# Boot firmware fragment between markers (replaced on re-run).
boot=/boot/firmware/config.txt
[ -f "$boot" ] || boot=/boot/config.txt
if [ -f "$boot" ]; then
  sed -i '/^# >>> edge-gateway/,/^# <<< edge-gateway/d' "$boot"
  { echo "# >>> edge-gateway"; cat "$dest/firmware-config/raspberry-pi/config.txt"; echo "# <<< edge-gateway"; } >>"$boot"
  # systemd feeds the hardware watchdog enabled above.
  mkdir -p /etc/systemd/system.conf.d
  printf '[Manager]\nRuntimeWatchdogSec=15\n' >/etc/systemd/system.conf.d/edge-gateway-watchdog.conf
fi
if $overlay && command -v raspi-config >/dev/null; then
  raspi-config nonint do_overlayfs 0
fi

systemctl daemon-reload
systemctl enable --now edge-gateway.service
echo "installed; the first-boot setup code is in: journalctl -u edge-gateway | grep setup_code"
