// Scan latency (DESIGN §10): last byte written to a real pty → the till's mqtt.js client receives
// the scan event; the gateway runs as its own process (as on the box), 1,000 scans one after
// another. Bar: p99 ≤ 5 ms, p50 ≤ 1 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startPtyPair } from '../test/helpers/pty.ts';
import { nowMs, percentiles } from './stats.ts';

const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));

export async function benchScanLatency(scans = 1000): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-scan-'));
  const pty = await startPtyPair(dir);
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: {
      ...process.env,
      EDGE_DATA_DIR: dir,
      EDGE_MQTT_PORT: '0',
      EDGE_HTTP_PORT: '0',
      EDGE_SERIAL_DEVICES: `${pty.device}=generic-serial`,
      EDGE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const ready = await new Promise<{ mqtt_port: number }>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const line = buf.split('\n').find((l) => l.includes('"msg":"ready"'));
        if (line) resolve(JSON.parse(line));
        if (buf.length > 1e6) buf = '';
      });
      child.once('exit', (c) => reject(new Error(`gateway exited ${c}`)));
    });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ready.mqtt_port}`, { reconnectPeriod: 0 });
    let resolveNext: (() => void) | undefined;
    client.on('message', (topic) => {
      if (topic.endsWith('/scan')) resolveNext?.();
    });
    await client.subscribeAsync('pos/demo-till/scan', { qos: 1 });
    await new Promise((r) => setTimeout(r, 1500)); // device attach (poll) and warm-up
    const samples: number[] = [];
    const warmup = 100;
    for (let i = 0; i < scans + warmup; i++) {
      const code = `SCAN-${String(i).padStart(6, '0')}`; // unique: the duplicate window must not drop it
      const arrived = new Promise<void>((r) => {
        resolveNext = r;
      });
      pty.write(`${code}\r`);
      const t0 = nowMs();
      await arrived;
      if (i >= warmup) samples.push(nowMs() - t0);
    }
    await client.endAsync();
    const p = percentiles(samples);
    const out = { ...p, bar: 'p99 ≤ 5 ms, p50 ≤ 1 ms', p99_ok: p.p99 <= 5, p50_ok: p.p50 <= 1 };
    console.log(JSON.stringify({ bench: 'scan_latency_serial_to_mqtt_ms', ...out }));
    return out;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await pty.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchScanLatency();
