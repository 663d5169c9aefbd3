// Scan latency (DESIGN §10): last byte written to a real pty → the till's mqtt.js client receives
// the scan event; the gateway runs as its own process as on the box (compiled, production flags),
// 1,000 scans one after
// another. Bar: p99 ≤ 5 ms, p50 ≤ 1 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
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
  const logFile = join(dir, 'gateway.log');
  const logFd = openSync(logFile, 'w');
  // As the systemd unit runs it: compiled dist/ (npm run bench builds it), small young generation.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, BIN, 'start'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      EDGE_DATA_DIR: dir,
      EDGE_MQTT_PORT: '0',
      EDGE_HTTP_PORT: '0',
      EDGE_SERIAL_DEVICES: `${pty.device}=generic-serial`,
      EDGE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
    // Logs go to a file, as they go to journald on the box: a consumer outside the till's process.
    // (Read through a pipe by this process, every log line would wake the measuring client first.)
    stdio: ['ignore', logFd, 'inherit'],
  });
  try {
    const ready = await new Promise<{ mqtt_port: number }>((resolve, reject) => {
      const poll = setInterval(() => {
        const line = readFileSync(logFile, 'utf8')
          .split('\n')
          .find((l) => l.includes('"msg":"ready"'));
        if (line) {
          clearInterval(poll);
          resolve(JSON.parse(line));
        }
      }, 20);
      child.once('exit', (c) => {
        clearInterval(poll);
        reject(new Error(`gateway exited ${c}`));
      });
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
