// One process of simulated boxes for the fleet benchmark: the gateway's real uplink part per box
// (state with Last Will, heartbeats, health on connect and every interval at a random phase, one
// inventory),
// fed with a plausible health document instead of a running gateway. Many
// connections per process; connects are paced so the broker's accept queue is not the test.
// Talks to the benchmark over IPC: {connected, boxes} every second.
import { settingsSchema } from '../src/config/schema.ts';
import { silentLogger } from '../src/log.ts';
import type { UplinkInventory } from '../src/mqtt/topics.ts';
import { startUplink, type Uplink } from '../src/uplink/uplink.ts';
import { boxHealth } from '../test/helpers/box-health.ts';
import { boxName } from './fleet-names.ts';

const [url, firstArg, countArg, keepaliveArg, intervalArg, heartbeatArg] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
const keepalive = Number(keepaliveArg);
const intervalS = Number(intervalArg);

const base = settingsSchema().parse({
  uplink: {
    url,
    keepalive_s: keepalive,
    health_interval_s: intervalS,
    ...(heartbeatArg ? { heartbeat_s: Number(heartbeatArg) } : {}),
    reconnect_min_ms: 500,
    reconnect_max_ms: 5000,
  },
});

// The same plausible document per box; every seventh has a small backlog, so ops have something to see.
const doc = (i: number) =>
  boxHealth({ outbox: { depth: i % 7 === 0 ? i % 13 : 0, oldest_age_s: i % 7 === 0 ? 30 : 0 } });

const inventory = (i: number): UplinkInventory => ({
  ts: new Date().toISOString(),
  version: '0.1.0',
  model: 'Raspberry Pi 4 Model B Rev 1.4',
  manufacturer: 'Raspberry Pi Foundation',
  serial: `10000000${i.toString(16).padStart(8, '0')}`,
  machine_id: i.toString(16).padStart(32, '0'),
  os: {
    platform: 'linux',
    distro: 'Debian GNU/Linux',
    release: '12',
    kernel: '6.6.51+rpt-rpi-v8',
    arch: 'arm64',
    hostname: `till-${i}`,
  },
  cpu: { brand: 'ARM Cortex-A72', cores: 4 },
  memory: { total_mb: 3796 },
  disks: [{ mount: '/', fs: '/dev/mmcblk0p2', type: 'ext4', size_mb: 29000 }],
  network: [
    {
      iface: 'eth0',
      ip4: `10.${(i >> 8) & 255}.${i & 255}.2`,
      ip6: '',
      mac: 'dc:a6:32:00:00:01',
      type: 'wired',
      state: 'up',
    },
  ],
  usb: [{ vendor_id: '0c2e', product_id: '0b61', name: 'Honeywell Scanner', manufacturer: 'Honeywell' }],
});

process.send?.({ started: Date.now() });
const uplinks: Uplink[] = [];
const BATCH = 200;
for (let i = first; i < first + count; i++) {
  const { branch, till } = boxName(i);
  const uplink = startUplink({
    settings: { ...base, branch_id: branch, till_id: till },
    version: '0.1.0',
    logger: silentLogger,
  });
  uplinks.push(uplink);
  uplink.inventory(inventory(i));
  uplink.health(doc(i));
  // Real boxes started at random moments: their periodic healths are spread over the interval.
  setTimeout(
    () => {
      uplink.health(doc(i));
      setInterval(() => uplink.health(doc(i)), intervalS * 1000);
    },
    Math.random() * intervalS * 1000,
  );
  if ((i - first + 1) % BATCH === 0) await new Promise((r) => setTimeout(r, 80));
}

setInterval(() => {
  const connected = uplinks.filter((u) => u.status().state === 'connected').length;
  process.send?.({ connected, boxes: uplinks.length });
}, 1000);
