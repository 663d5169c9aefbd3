// The merchant's own loyalty cards inside the Maestro catch-all (settings loyalty.card_iin_prefixes):
// let through by the payment guard the same way whether scanned, swiped or typed by the cashier, and
// only prefixes that cannot hide a named card scheme are accepted (DESIGN §3 payment guard).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { collectingLogger, connect, nextMessages, startTestGateway, tempDir } from '../helpers/gateway.ts';

const CARD = '600123456789'; // Luhn-valid, Maestro catch-all range

async function tillOf(t: any, config: Record<string, unknown>) {
  const gw = await startTestGateway({ config: { till_id: 'T1', ...config } });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const ask = async (op: string, args: Record<string, unknown>) => {
    const answer = nextMessages(till, `pos/T1/response/${op}`);
    await till.publishAsync(`pos/T1/request/${op}`, JSON.stringify(args), { qos: 1 });
    return (await answer)[0]!.payload;
  };
  const scan = async (text: string) => {
    const event = nextMessages(till, 'pos/T1/scan');
    await ask('gateway/test_scan', { transaction: `scan-${text}`, text });
    return (await event)[0]!.payload;
  };
  return { ask, scan };
}

test('without the prefix, a swiped or typed Maestro-range number is refused as a payment card', async (t) => {
  const { ask, scan } = await tillOf(t, {});
  t.is((await scan(`;${CARD}?`)).kind, 'payment_card_rejected');
  const answer = await ask('loyalty/identify', { transaction: 'id-1', code: CARD, entry: 'manual' });
  t.like(answer, {
    status: 'error',
    error: { code: 'invalid_request', details: { reason: 'payment_card' } },
  });
});

test('with the prefix listed, the same number is a loyalty card, scanned and typed alike', async (t) => {
  const { ask, scan } = await tillOf(t, { loyalty: { card_iin_prefixes: ['600123'] } });
  t.like(await scan(`;${CARD}?`), {
    kind: 'loyalty',
    loyalty: { pattern: 'loyalty-card-track', kind: 'card' },
  });
  const answer = await ask('loyalty/identify', { transaction: 'id-1', code: CARD, entry: 'manual' });
  // It reaches the provider, whose seed does not know the card.
  t.like(answer, { transaction: 'id-1', status: 'error', error: { code: 'not_found' } });
});

test('a prefix that overlaps a named scheme is an invalid setting, named', async (t) => {
  const dir = tempDir();
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ loyalty: { card_iin_prefixes: ['600123', '4111'] } }));
  const error = await t.throwsAsync(
    loadConfig({ configPath, dataDir: dir, env: {}, logger: collectingLogger().logger }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(
    (error as ConfigError).problems.map((p) => p.path),
    ['loyalty.card_iin_prefixes.1'],
  );
});
