// HID transports: HID POS reports into the assembler, keyboard boot reports into the keyboard
// decoder (docs/scanners-and-readers.md §1, §2). One file: both open the same node-hid handle and
// differ only in the decoder they feed.

import { createHidPosAssembler } from '../framing/index.ts';
import { createKeyboardDecoder } from '../keyboard/index.ts';
import type { OpenTransport, TransportContext } from './types.ts';

export async function openHidTransport(ctx: TransportContext): Promise<OpenTransport> {
  if (!ctx.hid) throw new Error('HID support is disabled');
  const handle = await ctx.hid.open(ctx.path);
  const decoder =
    ctx.kind === 'hid-pos'
      ? createHidPosAssembler(ctx.profile.hidPos, ctx.sink)
      : createKeyboardDecoder(ctx.profile.keyboard, ctx.sink);
  const feed = 'feed' in decoder ? decoder.feed.bind(decoder) : () => {};
  let closed = false;
  handle.on('data', (report) => {
    if (!closed) feed(report);
  });
  handle.on('error', (err) => {
    if (closed) return;
    closed = true;
    decoder.reset(); // unplug mid-scan: the partial scan is discarded (docs/scanners-and-readers.md §8 item 15)
    decoder.close();
    ctx.onLost(`io_error: ${err.message}`);
  });
  for (const init of ctx.profile.scannerConfig.hostInit) {
    if (init.transport !== ctx.kind) continue;
    try {
      await handle.sendFeatureReport(init.featureReport);
    } catch (err) {
      if (!init.ignoreError) throw err;
      ctx.logger.debug('host init report refused', { path: ctx.path, error: err });
    }
  }
  return {
    async close() {
      closed = true;
      decoder.close();
      await handle.close();
    },
  };
}
