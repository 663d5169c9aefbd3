// The box inventory (DESIGN §8 `.../inventory`) through systeminformation in a worker thread:
// what this machine is, published retained on the ops broker and shown in the status API.
import { networkInterfaces, release, totalmem } from 'node:os';
import test from 'ava';
import { silentLogger } from '../../src/log.ts';
import { uplinkInventorySchema } from '../../src/mqtt/topics.ts';
import { startInventorySampler } from '../../src/uplink/inventory.ts';
import { nextMessages } from '../helpers/gateway.ts';
import { box, fleetClient, httpJson, opsBroker, startBoxProcess, until } from './_rig.ts';

const externalIp4 = () =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);

test('the sampler describes this machine and reports a second identical sample no more', async (t) => {
  t.timeout(60_000);
  const seen: unknown[] = [];
  const sampler = startInventorySampler({
    version: '9.9.9',
    intervalMs: 200,
    firstDelayMs: 0,
    logger: silentLogger,
    onChange: (inv) => seen.push(inv),
  });
  t.teardown(() => sampler.stop());
  await until('first sample', () => seen.length === 1 || undefined, 30_000);
  const inv = uplinkInventorySchema.parse(seen[0]);
  t.is(inv.version, '9.9.9');
  t.is(inv.os.kernel, release());
  t.is(inv.os.platform, 'linux');
  t.true(Math.abs(inv.memory.total_mb - totalmem() / 2 ** 20) < 2);
  t.true(inv.disks.length >= 1);
  for (const ip of externalIp4())
    t.true(
      inv.network.some((n) => n.ip4 === ip),
      ip,
    );
  t.false(inv.network.some((n) => n.iface === 'lo'));
  // Two more samples of an unchanged machine are not reported again.
  const first = sampler.current();
  await until('two more samples', () => sampler.stats().samples >= 3 || undefined, 30_000);
  t.is(sampler.stats().failures, 0);
  t.is(seen.length, 1);
  t.is(sampler.current(), first);
});

test('edge-gateway start publishes its inventory retained on the ops broker, and what the box is in /api/status', async (t) => {
  t.timeout(90_000);
  const T3 = box('B1', 'T3');
  const ops = await opsBroker(t, [T3]);
  // The real command: the worker must load under the CLI's own TypeScript loader too.
  const run = startBoxProcess(ops, T3);
  t.teardown(() => run.child.kill('SIGKILL'));
  const ready = await run.ready;
  const status = await until(
    'inventory in status',
    async () => {
      const s = await httpJson(ready.http_port, '/api/status');
      return s.inventory ? s : undefined;
    },
    30_000,
  );
  t.is(status.inventory.os.kernel, release());
  const fleet = await fleetClient(t, ops);
  const [msg] = await nextMessages(fleet, 'edge/B1/T3/inventory', 1, 10_000);
  t.true(msg!.retain);
  const full = uplinkInventorySchema.parse(msg!.payload);
  t.deepEqual(full.os, status.inventory.os);
  t.deepEqual(full.usb, status.inventory.usb);
  // The public page shows what the box is, not its identifiers: those go to ops only.
  t.true('machine_id' in full);
  t.false('serial' in status.inventory || 'machine_id' in status.inventory);
  t.deepEqual(
    status.inventory.network.map((n: any) => n.iface),
    full.network.map((n) => n.iface),
  );
  t.false(status.inventory.network.some((n: any) => 'mac' in n));
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
  t.false(run.lines.some((l) => typeof l === 'object' && l.part === 'inventory' && l.level !== 'info'));
});
