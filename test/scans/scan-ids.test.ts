// Every scan event's id is a fresh random UUID (DESIGN §3 `scan` `id`), also now that the next one
// is drawn ahead, once the scan before it has gone out (src/scans/pipeline.ts).
import test from 'ava';
import type { Classification, Frame } from '../../src/classify/index.ts';
import { createLogger } from '../../src/log.ts';
import { createScanPipeline } from '../../src/scans/pipeline.ts';

const source = { deviceId: 'serial-1', profile: 'generic-serial', transport: 'serial' };
const frame = (text: string): Frame => ({ bytes: Buffer.from(text), text, warnings: [] });
const classify = (f: Frame): Classification => ({
  kind: 'text',
  symbology: 'unknown',
  text: f.text,
  warnings: [],
});
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('scan ids: a distinct v4 UUID per scan, published or not, in bursts and one by one', async (t) => {
  const published: string[] = [];
  const pending: (() => void)[] = [];
  const pipeline = createScanPipeline({
    classify,
    logger: createLogger({ level: 'silent' }),
    // The till's copy goes out only when the test lets it: scans can overtake each other's after-work.
    publish: (event) =>
      new Promise<void>((resolve) =>
        pending.push(() => {
          published.push(event.id);
          resolve();
        }),
      ),
  });
  const ids: string[] = [];
  const settle = async () => {
    for (const go of pending.splice(0)) go();
    await new Promise((r) => setImmediate(r));
  };
  // A burst of 5 before any has gone out, then 5 one by one, then another burst.
  for (let i = 0; i < 5; i++) ids.push(pipeline.ingest(source, frame(`A${i}`))!.event.id);
  await settle();
  for (let i = 0; i < 5; i++) {
    ids.push(pipeline.ingest(source, frame(`B${i}`))!.event.id);
    await settle();
  }
  for (let i = 0; i < 5; i++) ids.push(pipeline.ingest(source, frame(`C${i}`))!.event.id);
  await settle();
  t.is(ids.length, 15);
  t.is(new Set(ids).size, 15);
  for (const id of ids) t.regex(id, UUID_V4);
  t.deepEqual(published, ids);
  // Without a publish (the after-work runs at once) ids stay distinct too.
  const bare = createScanPipeline({ classify, logger: createLogger({ level: 'silent' }) });
  const more = Array.from({ length: 10 }, (_, i) => bare.ingest(source, frame(`D${i}`))!.event.id);
  t.is(new Set([...ids, ...more]).size, 25);
});
