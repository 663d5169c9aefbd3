#!/usr/bin/env bash
# The README's first command, checked: scripts/dev-start.sh starts the demo gateway, which must print
# its ready line, answer /healthz and a test scan over MQTT, and stop cleanly (exit 0) on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
log="$dir/gateway.log"
EDGE_DATA_DIR="$dir" EDGE_MQTT_PORT=0 EDGE_HTTP_PORT=0 scripts/dev-start.sh >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q '"msg":"ready"' "$log" && break
  kill -0 "$pid" 2>/dev/null || { echo "smoke: the gateway exited before ready:"; cat "$log"; exit 1; }
  sleep 0.1
done
ready=$(grep '"msg":"ready"' "$log" | head -1)
[ -n "$ready" ] || { echo "smoke: no ready line within 30 s"; cat "$log"; kill "$pid"; exit 1; }
http_port=$(node -e 'console.log(JSON.parse(process.argv[1]).http_port)' "$ready")
mqtt_port=$(node -e 'console.log(JSON.parse(process.argv[1]).mqtt_port)' "$ready")
node --input-type=module -e "
  import mqtt from 'mqtt';
  const health = await fetch('http://127.0.0.1:$http_port/healthz');
  if (health.status !== 200) throw new Error('healthz answered ' + health.status);
  const c = await mqtt.connectAsync('mqtt://127.0.0.1:$mqtt_port', { reconnectPeriod: 0 });
  const got = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no scan event')), 10000).unref();
    c.on('message', (t, p) => t.endsWith('/scan') && resolve(JSON.parse(p.toString())));
  });
  await c.subscribeAsync('pos/demo-till/scan');
  await c.publishAsync('pos/demo-till/request/gateway/test_scan', JSON.stringify({ transaction: 'smoke', text: '4006381333931' }));
  const scan = await got;
  if (scan.kind !== 'product') throw new Error('unexpected scan ' + JSON.stringify(scan));
  await c.endAsync();
"
kill -TERM "$pid"
wait "$pid" && code=0 || code=$?
[ "$code" -eq 0 ] || { echo "smoke: exit $code after SIGTERM"; cat "$log"; exit 1; }
echo "smoke: demo gateway started, served a test scan and stopped cleanly"
