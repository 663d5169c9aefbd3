import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { recorder, settled, withoutBarriers } from '../helpers/gateway.ts';
import { gatewayWithSerialScanner } from '../helpers/serial-rig.ts';

async function gatewayWithScanner(t: any) {
  const { pty, gw, till } = await gatewayWithSerialScanner(t);
  const all = await recorder(till, 'pos/T1/#');
  await all.until((m) => m.topic.endsWith('/availability') && m.payload.state === 'online');
  return { pty, gw, till, all };
}

const scansOf = (all: { messages: { topic: string; payload: any }[] }) =>
  withoutBarriers(all.messages.filter((m) => m.topic === 'pos/T1/scan')).map((m) => m.payload);

test('scan events carry kind, symbology, AIM and seq as DESIGN §3 says', async (t) => {
  const { pty, all } = await gatewayWithScanner(t);
  pty.write(']E04006381333931\r'); // EAN-13 with AIM
  pty.write('https://app.helloagain.com/c/HA-K7QW3MZD5RTXP2LN\r'); // loyalty app QR
  pty.write(']C1\x1d0109506000134352\x1d10ABC123\r'); // GS1-128
  pty.write('just some text\r');
  await all.until(() => scansOf(all).length === 4);
  const [ean, loyalty, gs1, text] = scansOf(all);
  t.like(ean, {
    kind: 'product',
    symbology: 'ean-13',
    aim: ']E0',
    text: '4006381333931',
    profile: 'generic-serial',
    transport: 'serial',
  });
  t.like(loyalty, {
    kind: 'loyalty',
    loyalty: { pattern: 'hello-again-app-url', token_masked: '****P2LN', kind: 'qr' },
  });
  t.is(gs1.kind, 'gs1');
  t.is(text.kind, 'text');
  // The classifier's details reach the till under their kind, and only there.
  t.deepEqual(ean.product, { gtin: '04006381333931' });
  t.deepEqual(gs1.gs1, { ais: { '01': '09506000134352', '10': 'ABC123' } });
  t.deepEqual(
    [ean, loyalty, gs1, text].map((s) => [s.product !== undefined, s.gs1 !== undefined, s.uid !== undefined]),
    [
      [true, false, false],
      [false, false, false],
      [false, true, false],
      [false, false, false],
    ],
  );
  t.deepEqual(
    [ean, loyalty, gs1, text].map((s) => s.seq),
    [1, 2, 3, 4],
  );
  for (const s of [ean, loyalty, gs1, text]) {
    t.is(typeof s.id, 'string');
    t.false(Number.isNaN(Date.parse(s.ts)));
    t.true(Array.isArray(s.warnings));
  }
});

test('the same code twice from the same device within the window is one scan', async (t) => {
  const { pty, all } = await gatewayWithScanner(t);
  pty.write('4006381333931\r');
  pty.write('4006381333931\r');
  pty.write('5901234123457\r');
  await all.until(() => scansOf(all).some((s) => s.text === '5901234123457'));
  await settled(all, 'T1'); // a second copy would have arrived before the barrier
  t.deepEqual(
    scansOf(all).map((s) => s.text),
    ['4006381333931', '5901234123457'],
  );
});

// Test card numbers live in tests only (the before-stop check looks for them elsewhere).
const PANS = ['4111111111111111', '5555555555554444', '378282246310005'];

test('a planted payment card appears nowhere: not on MQTT, not in logs, not in the data dir', async (t) => {
  const { pty, gw, till, all } = await gatewayWithScanner(t);
  const inputs = [
    `${PANS[0]}\r`,
    `%B${PANS[1]}^DOE/JOHN^2512101000000000000?;${PANS[1]}=25121010000000000000?\r`,
    `;${PANS[2]}=2512101?\r`,
    `https://example.com/pay?card=${PANS[0]}\r`,
  ];
  for (const input of inputs) pty.write(input);
  till.publish('pos/T1/request/gateway/test_scan', JSON.stringify({ transaction: 'pan-1', text: PANS[1] }), {
    qos: 1,
  });
  await all.until(() => scansOf(all).length === inputs.length + 1);
  await all.until((m) => m.topic === 'pos/T1/response/gateway/test_scan');
  await settled(all, 'T1');
  for (const s of scansOf(all)) {
    t.deepEqual(
      {
        kind: s.kind,
        text: s.text,
        symbology: s.symbology,
        aim: s.aim,
        warnings: s.warnings,
        loyalty: s.loyalty,
      },
      {
        kind: 'payment_card_rejected',
        text: null,
        symbology: null,
        aim: null,
        warnings: [],
        loyalty: undefined,
      },
    );
  }
  await gw.stop(); // flush everything the gateway writes

  // Everything the gateway published (the till's own request naturally holds what it typed).
  const traffic = JSON.stringify(all.messages.filter((m) => !m.topic.includes('/request/')));
  t.true(all.messages.some((m) => m.topic.includes('/response/')));
  const logs = gw.lines.join('\n');
  const files = walk(gw.dataDir)
    .map((f) => readFileSync(f, 'latin1'))
    .join('\n');
  for (const pan of PANS) {
    for (const [where, text] of [
      ['MQTT traffic', traffic],
      ['logs', logs],
      ['data dir', files],
    ] as const) {
      // Not even a 6-digit piece of the number (e.g. its BIN) may leak.
      for (let i = 0; i + 6 <= pan.length; i++) {
        t.false(text.includes(pan.slice(i, i + 6)), `${where} holds ${pan.slice(i, i + 6)}`);
      }
    }
  }
  t.true(
    gw.lines.some((l) => l.includes('"kind":"payment_card_rejected"')),
    'the rejection itself is logged',
  );
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
