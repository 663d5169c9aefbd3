// The technician claims from a phone on the shop LAN: an unclaimed, unprovisioned box (demo mode)
// started as the systemd unit starts it (EDGE_HTTP_HOST=0.0.0.0) serves the page on the box's LAN
// address, while demo mode's anonymous MQTT stays unreachable from there, even when the broker is
// asked for every interface too.
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import test from 'ava';
import { connect, startTestGateway } from '../helpers/gateway.ts';

/** An IPv4 address of this machine that is not loopback, if it has one. */
function lanAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

for (const [name, env] of [
  ['the unit environment', { EDGE_HTTP_HOST: '0.0.0.0' }],
  ['MQTT asked for every interface too', { EDGE_HTTP_HOST: '0.0.0.0', EDGE_MQTT_HOST: '0.0.0.0' }],
] as const) {
  test(`demo mode with ${name}: the page answers on the LAN address, anonymous MQTT from it is refused`, async (t) => {
    const gw = await startTestGateway({ env });
    t.teardown(() => gw.stop());
    const port = gw.gateway.httpPort;
    const lan = lanAddress();
    if (lan === undefined) {
      // No LAN here: the page must at least be bound to every interface.
      const ss = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
      t.regex(ss.stdout, new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${port}\\b`));
      t.log('no non-loopback IPv4 address on this machine: checked the bound address only');
      return;
    }
    const base = `http://${lan}:${port}`;
    const page = await fetch(`${base}/`);
    t.is(page.status, 200);
    t.regex(await page.text(), /<html/i);
    const status = (await (await fetch(`${base}/api/status`)).json()) as { demo: boolean; claimed: boolean };
    t.true(status.demo);
    t.false(status.claimed);

    // Anonymous MQTT from the LAN address: refused (nothing listens there, or the broker says no).
    const refused = await connect(`mqtt://${lan}:${gw.gateway.mqttPort}`).then(
      (c) => {
        c.end(true);
        return 'connected';
      },
      (err: Error & { code?: string | number }) => err.code,
    );
    t.true(refused === 'ECONNREFUSED' || refused === 5, `got ${String(refused)}`);
    // And loopback still serves the till as before.
    const till = await connect(gw.url);
    t.true(till.connected);
    await till.endAsync();
  });
}
