// The scan event's hand-written JSON (src/scans/event-json.ts) is byte for byte JSON.stringify's:
// the till parses the same document whichever wrote it.
import test from 'ava';
import fc from 'fast-check';
import type { ScanEvent } from '../../src/mqtt/topics.ts';
import { encodeScanEvent, scanEventJson } from '../../src/scans/event-json.ts';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const event: fc.Arbitrary<ScanEvent> = fc
  .record(
    {
      id: fc.uuid(),
      seq: fc.nat(),
      ts: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      device_id: text,
      profile: text,
      transport: fc.constantFrom('serial', 'hid-pos', 'hid-keyboard', 'test'),
      symbology: fc.option(text, { nil: null }),
      aim: fc.option(text, { nil: null }),
      kind: fc.constantFrom('loyalty', 'product', 'gs1', 'uid', 'text', 'payment_card_rejected'),
      text: fc.option(text, { nil: null }),
      warnings: fc.array(text, { maxLength: 3 }),
      loyalty: fc.record({ pattern: text, token_masked: text, kind: fc.constantFrom('qr', 'card', 'uid') }),
      uid: fc.record({
        canonical: text,
        hex: text,
        bits: fc.nat(),
        format: fc.constantFrom('hex', 'dec10', 'dec8', 'w26', 'dec'),
      }),
      gs1: fc.record({ ais: fc.dictionary(fc.stringMatching(/^[0-9]{2,4}$/), text) }),
      product: fc.record({ gtin: text, add_on: text }, { requiredKeys: ['gtin'] }),
    },
    {
      requiredKeys: [
        'id',
        'seq',
        'ts',
        'device_id',
        'profile',
        'transport',
        'symbology',
        'aim',
        'kind',
        'text',
        'warnings',
      ],
    },
  )
  .map((e) => e as ScanEvent);

test('the scan event JSON is exactly what JSON.stringify writes, for any event', (t) => {
  const run = fc.check(
    fc.property(event, (e) => scanEventJson(e) === JSON.stringify(e)),
    { numRuns: 3000 },
  );
  t.is(run.failed, false, run.counterexample ? JSON.stringify(run.counterexample) : '');
  t.is(run.numRuns, 3000);
});

test('the encoded payload is the UTF-8 of that JSON and parses back to the event', (t) => {
  const e: ScanEvent = {
    id: 'a0b1c2d3-0000-4000-8000-000000000000',
    seq: 7,
    ts: '2026-12-01T11:00:00.000Z',
    device_id: 'tty-1',
    profile: 'generic-serial',
    transport: 'serial',
    symbology: 'qr',
    aim: ']Q1',
    kind: 'loyalty',
    text: 'Grüße \u0000 "quoted" \\ \ud800',
    warnings: ['nul_in_data'],
    loyalty: { pattern: 'hello-again-token', token_masked: '••••GZDF', kind: 'qr' },
  };
  const payload = encodeScanEvent(e);
  t.true(payload.equals(Buffer.from(JSON.stringify(e))));
  t.deepEqual(JSON.parse(payload.toString('utf8')), JSON.parse(JSON.stringify(e)));
});

test('with a source, the JSON is still JSON.stringify’s, also when a source is reused or changed in place', (t) => {
  // A run of events over a few source objects, as a box with several devices sees them; a source
  // may change its fields between events (the cache must notice) or be a fresh object each time.
  const run = fc.check(
    fc.property(
      fc.array(fc.tuple(event, fc.nat({ max: 2 }), fc.boolean()), { minLength: 1, maxLength: 20 }),
      (steps) => {
        const sources = [{}, {}, {}];
        return steps.every(([e, which, fresh]) => {
          const source = fresh ? {} : sources[which]!;
          const expected = JSON.stringify(e);
          return (
            scanEventJson(e, source) === expected && encodeScanEvent(e, source).equals(Buffer.from(expected))
          );
        });
      },
    ),
    { numRuns: 1000 },
  );
  t.is(run.failed, false, run.counterexample ? JSON.stringify(run.counterexample) : '');
  t.is(run.numRuns, 1000);
});

test('a source’s cached fields are made again once the source changes in place', (t) => {
  const source = { deviceId: 'tty-1', profile: 'generic-serial', transport: 'serial' };
  const e: ScanEvent = {
    id: 'a0b1c2d3-0000-4000-8000-000000000000',
    seq: 1,
    ts: '2026-12-01T11:00:00.000Z',
    device_id: source.deviceId,
    profile: source.profile,
    transport: source.transport,
    symbology: 'code128',
    aim: ']C0',
    kind: 'text',
    text: 'A',
    warnings: [],
  };
  t.is(scanEventJson(e, source), JSON.stringify(e));
  source.profile = 'other-profile';
  const changed = { ...e, seq: 2, profile: source.profile };
  t.is(scanEventJson(changed, source), JSON.stringify(changed));
  t.true(scanEventJson(changed, source).includes('"profile":"other-profile"'));
});
