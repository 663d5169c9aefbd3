// The privacy scan (issue 12; DESIGN §2, §3): a realistic run of a gateway with a serial scanner on
// a socat pty and the built-in provider — scans of payment cards and track data among loyalty codes
// and products, identify, redeem, turnover and activate with planted mobile numbers and e-mail
// addresses, some delivered at once, some queued while the provider is down and delivered later,
// some still queued, one refused for good — and then every file of the data directory (raw bytes,
// SQLite and its -wal/-shm included, while running and after the stop), every log line, every MQTT
// message the gateway published, the technician's live stream and the diagnostics bundle are
// searched. No card number, track, name, mobile or e-mail anywhere; a full loyalty token only in an
// outbox row not yet delivered; a delivered one still answers a replay of its transaction.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { connect, recorder, startTestGateway, type TestGateway, waitUntil } from '../helpers/gateway.ts';
import { startPtyPair } from '../helpers/pty.ts';
import { setupCodeFrom, WebClient } from '../web/client.ts';
import { CONTACTS, HOLDER, holds, leakForms, PANS, TOKENS, type TokenName } from './matrix/planted.ts';
import { Tally } from './matrix/tally.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(files(dir).map((f) => [f.slice(dir.length + 1), readFileSync(f)]));
}

const CONFIG = (device: string) => ({
  till_id: 'T1',
  devices: { poll_interval_ms: 100, serial: [{ path: device, profile: 'generic-serial' }] },
  provider: { booking_window_ms: 10_000, timeout_ms: 1000 },
  outbox: { retry_base_ms: 20, retry_max_ms: 200, circuit_failures: 3, circuit_open_ms: 100 },
});

test('after a realistic run no card, name, mobile or e-mail is on disk, in a log or on MQTT; a token only while undelivered', async (t) => {
  t.timeout(180_000);
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  let gw: TestGateway = await startTestGateway({ config: CONFIG(pty.device) });
  t.teardown(() => gw.stop());
  const sim = gw.gateway.loyalty.simulator!;
  const till = await connect(gw.url);
  t.teardown(() => till.end(true));
  const spy = await connect(gw.url);
  t.teardown(() => spy.end(true));
  const traffic = await recorder(spy, 'pos/T1/#');
  await waitUntil(() => gw.gateway.devices.list().some((d) => d.state === 'online'), 'the scanner online');

  // The technician watches the live test scans.
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const tech = new WebClient(base);
  await tech.open();
  await tech.post('/api/claim', { code: setupCodeFrom(gw.lines), password: 'technician-pass-1' });
  const live = await fetch(`${base}/api/events`, { headers: { cookie: tech.cookie } });
  const reader = live.body!.getReader();
  let stream = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stream += new TextDecoder().decode(value);
    }
  })().catch(() => {});

  let n = 0;
  const request = async (op: string, args: Record<string, unknown>, transaction = `p-${++n}`) => {
    await till.publishAsync(`pos/T1/request/${op}`, JSON.stringify({ transaction, ...args }), { qos: 1 });
    const m = await traffic.until(
      (x) => x.topic === `pos/T1/response/${op}` && x.payload.transaction === transaction,
      20_000,
    );
    return m.payload;
  };
  const bodies = new Map<string, Record<string, unknown>>();
  const turnover = (code: string, transaction = `p-${++n}`) => {
    const body = { code, receipt_number: `R-${transaction}`, amount_cents: 1990, currency: 'EUR' };
    bodies.set(transaction, body);
    return request('loyalty/turnover', body, transaction);
  };

  // Scans at the till: cards swiped or typed in every form, loyalty codes, a product.
  const scanned = [
    `${PANS.visa}\r`,
    `${PANS.mastercard.replace(/(\d{4})(?=\d)/g, '$1 ')}\r`,
    `;${PANS.amex}=25121010000000000000?\r`,
    `%B${PANS.discover}^${HOLDER}^2512101000000000000000000000000?\r`,
    `${SEED.customers.regular.appUrl}\r`,
    `${SEED.customers.appUser.card}\r`,
    '4006381333931\r',
  ];
  const scans = () => traffic.messages.filter((m) => m.topic === 'pos/T1/scan').length;
  for (const [i, s] of scanned.entries()) {
    pty.write(s);
    await waitUntil(() => scans() === i + 1, `scan ${i + 1} published`);
  }
  t.is(
    traffic.messages.filter((m) => m.topic === 'pos/T1/scan' && m.payload.kind === 'payment_card_rejected')
      .length,
    4,
  );
  await request('gateway/test_scan', { text: PANS.maestro });
  await tech.post('/api/test-scan', { text: PANS.visa.replace(/(\d{4})(?=\d)/g, '$1-') });

  // Online: identify, redeem, enrol, book.
  t.is(
    (await request('loyalty/identify', { code: PANS.visa, entry: 'manual' })).error.details.reason,
    'payment_card',
  );
  t.is(
    (await request('loyalty/identify', { code: SEED.customers.regular.card, entry: 'manual' })).status,
    'ok',
  );
  t.is(
    (await request('loyalty/identify', { code: SEED.customers.appOnly.appUrl, entry: 'scan' })).status,
    'ok',
  );
  const redeemed = await request('loyalty/redeem', {
    customer_ref: SEED.customers.regular.ref,
    reward_id: SEED.rewards.discount,
  });
  t.is(redeemed.status, 'ok');
  t.is(
    (await request('loyalty/activate', { mobile: CONTACTS.mobiles[0], email: CONTACTS.emails[0] })).status,
    'ok',
  );
  t.is(
    (await request('loyalty/activate', { mobile: CONTACTS.mobiles[0], email: CONTACTS.emails[0] })).error
      .code,
    'duplicate_contact',
  );
  t.is(
    (await request('loyalty/activate', { mobile: `${CONTACTS.mobiles[1]}x`, email: CONTACTS.emails[1] }))
      .error.code,
    'invalid_request',
  );
  t.is((await turnover(PANS.mastercard)).error.details.reason, 'payment_card');
  const delivered: Record<string, TokenName> = { 'tx-online': 'regular app' };
  t.is((await turnover(TOKENS['regular app'].code, 'tx-online')).data.state, 'booked');

  // The provider goes down: enrolment refused, turnovers queued, then delivered (or refused for good).
  sim.faults.set({ outage: true });
  t.is(
    (await request('loyalty/activate', { mobile: CONTACTS.mobiles[1], email: CONTACTS.emails[1] })).error
      .code,
    'provider_unreachable',
  );
  const later: Record<string, TokenName> = {
    'tx-q1': 'app user app',
    'tx-q2': 'card-only card',
    'tx-q3': 'regular card',
  };
  for (const [tx, name] of Object.entries(later))
    t.is((await turnover(TOKENS[name].code, tx)).data.state, 'queued');
  t.is((await turnover(TOKENS['unknown app'].code, 'tx-dead')).data.state, 'queued');
  sim.faults.clear();
  for (const tx of Object.keys(later))
    await traffic.until(
      (m) => m.topic === 'pos/T1/event/loyalty/booked' && m.payload.transaction === tx,
      20_000,
    );
  await traffic.until(
    (m) => m.topic === 'pos/T1/event/loyalty/failed' && m.payload.transaction === 'tx-dead',
    20_000,
  );
  Object.assign(delivered, later);

  // Down again: these stay queued through the scan.
  sim.faults.set({ outage: true });
  const queued: Record<string, TokenName> = {
    'tx-p1': 'app-only app',
    'tx-p2': 'app user card',
    'tx-dead': 'unknown app',
  };
  for (const tx of ['tx-p1', 'tx-p2'])
    t.is((await turnover(TOKENS[queued[tx]!].code, tx)).data.state, 'queued');
  t.is(
    (await request('loyalty/activate', { mobile: CONTACTS.mobiles[2], email: CONTACTS.emails[2] })).error
      .code,
    'provider_unreachable',
  );
  const diagnostics = (await tech.get('/api/diagnostics')).text;
  await waitUntil(
    () => stream.includes('****P2LN') && stream.includes('****7906'),
    'the scans on the live stream',
  );
  await reader.cancel().catch(() => {});
  await reading;

  const running = snapshot(gw.dataDir);
  // The outbox file of this box (the built-in simulator's has a name of its own).
  const outbox = basename(gw.gateway.loyalty.store.path);
  t.true(running.has(`${outbox}-wal`), 'the WAL is searched while the gateway runs');
  await gw.stop();
  const stopped = snapshot(gw.dataDir);

  // 1. Planted personal data: nowhere.
  const forms = leakForms();
  const pii = new Tally('privacy', 'card, name, mobile, e-mail', 'planted value × place');
  const published = traffic.messages
    .filter((m) => !m.topic.startsWith('pos/T1/request/')) // the till's own words, not the gateway's
    .map((m) => `${m.topic} ${JSON.stringify(m.payload)}`)
    .join('\n');
  const places: Record<string, Buffer> = {
    'log lines': Buffer.from(gw.lines.join('\n')),
    'MQTT published by the gateway': Buffer.from(published),
    'live stream': Buffer.from(stream),
    'diagnostics bundle': Buffer.from(diagnostics),
  };
  for (const [file, bytes] of running) places[`${file} (running)`] = bytes;
  for (const [file, bytes] of stopped) places[`${file} (stopped)`] = bytes;
  for (const [place, bytes] of Object.entries(places))
    for (const [label, form] of Object.entries(forms))
      pii.check(`${label} in ${place}`, 'absent', holds(bytes, form) ? 'present' : 'absent');
  pii.record();

  // 2. Loyalty tokens: never in a log, on MQTT only in scan events, on disk only while undelivered.
  const tokens = new Tally('privacy', 'loyalty tokens', 'token × place');
  const db = new Database(join(gw.dataDir, outbox), { readonly: true });
  const rows = db.prepare('SELECT key, state, payload, order_key, result FROM jobs').all() as {
    key: string;
    state: string;
    payload: string;
    order_key: string;
    result: string | null;
  }[];
  db.close();
  const undelivered = new Set(Object.values(queued));
  const notScans = traffic.messages
    .filter((m) => !m.topic.startsWith('pos/T1/request/') && m.topic !== 'pos/T1/scan')
    .map((m) => JSON.stringify(m.payload))
    .join('\n');
  for (const [name, { token }] of Object.entries(TOKENS) as [TokenName, { token: string }][]) {
    tokens.check(
      `${name} in log lines`,
      'absent',
      gw.lines.some((l) => l.includes(token)) ? 'present' : 'absent',
    );
    tokens.check(`${name} in MQTT besides scans`, 'absent', notScans.includes(token) ? 'present' : 'absent');
    const allowed = undelivered.has(name);
    for (const [when, snap] of [
      ['running', running],
      ['stopped', stopped],
    ] as const) {
      for (const [file, bytes] of snap) {
        // An undelivered job keeps its token in the outbox, and only there (DESIGN §2).
        const here = allowed && file.startsWith(outbox);
        const observed = !holds(bytes, token) ? 'absent' : here ? 'kept for delivery' : 'present';
        tokens.check(`${name} in ${file} (${when})`, here ? observed : 'absent', observed);
      }
      if (allowed) {
        // The search can see a token in raw SQLite bytes at all: it finds the ones still queued.
        const seen = [...snap].some(([file, bytes]) => file.startsWith(outbox) && holds(bytes, token));
        tokens.confirm(
          `${name} found in the outbox files (${when})`,
          'a queued token is found in the raw bytes (the search works)',
          'kept for delivery',
          seen ? 'kept for delivery' : 'absent',
        );
      }
    }
    const holding = rows.filter((r) => `${r.payload} ${r.order_key} ${r.result}`.includes(token));
    tokens.confirm(
      `${name}: outbox rows holding it`,
      'only undelivered rows hold a token',
      allowed ? 'undelivered only' : 'none',
      holding.length === 0
        ? 'none'
        : holding.every((r) => r.state !== 'delivered')
          ? 'undelivered only'
          : 'a delivered row',
    );
  }
  const total = Object.keys(delivered).length;
  const done = rows.filter((r) => r.key in delivered && r.state === 'delivered').length;
  tokens.confirm('jobs delivered by code', 'the delivered jobs were searched', `${total}`, `${done}`);
  tokens.record();

  // 3. A delivered job still answers its transaction, after a restart and without the provider.
  const replay = new Tally('privacy', 'replay of delivered jobs', 'transaction × request');
  const firstAnswers = new Map(
    traffic.messages
      .filter(
        (m) => m.topic === 'pos/T1/response/loyalty/turnover' || m.topic === 'pos/T1/event/loyalty/booked',
      )
      .map((m) => [m.payload.transaction, m.payload] as const),
  );
  gw = await startTestGateway({ config: CONFIG(pty.device), dataDir: gw.dataDir });
  gw.gateway.loyalty.simulator!.faults.set({ outage: true });
  const again = await connect(gw.url);
  t.teardown(() => again.end(true));
  const answers = await recorder(again, 'pos/T1/response/#');
  for (const tx of Object.keys(delivered)) {
    const send = async (amount: number) => {
      const body = { transaction: tx, ...bodies.get(tx), amount_cents: amount };
      const seen = answers.messages.length;
      await again.publishAsync('pos/T1/request/loyalty/turnover', JSON.stringify(body), { qos: 1 });
      await answers.waitFor(seen + 1, 20_000);
      return answers.messages[seen]!.payload;
    };
    const first = firstAnswers.get(tx);
    const points = first?.data?.points_earned ?? first?.points_earned;
    const same = await send(1990);
    const sameAnswer = same.data?.state === 'booked' && same.data.points_earned === points;
    replay.check(
      `${tx} replayed`,
      'the first answer',
      sameAnswer ? 'the first answer' : JSON.stringify(same),
    );
    const other = await send(999);
    replay.check(`${tx} with another amount`, 'transaction_reused', other.error?.code ?? other.data?.state);
  }
  replay.record();
  t.deepEqual([...pii.failures, ...tokens.failures, ...replay.failures], []);
});
