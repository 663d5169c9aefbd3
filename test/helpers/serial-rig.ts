// A gateway on till T1 with one serial scanner on a real pty (socat), and a connected till.

import { connect, startTestGateway } from './gateway.ts';
import { startPtyPair } from './pty.ts';

export async function gatewayWithSerialScanner(
  t: any,
  extraSerial: { path: string; profile: string }[] = [],
) {
  t.timeout(30_000);
  const pty = await startPtyPair();
  t.teardown(() => pty.stop());
  const gw = await startTestGateway({
    config: {
      till_id: 'T1',
      devices: {
        poll_interval_ms: 100,
        serial: [...extraSerial, { path: pty.device, profile: 'generic-serial' }],
      },
    },
  });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  return { pty, gw, till };
}
