// Test-only hooks, loaded by index.ts only when EDGE_TEST_HOOKS=1 outside production: they let a
// test prove that the watchdog stops feeding while the event loop is blocked.
import type { Logger } from '../log.ts';
import type { Notifier } from './sd-notify.ts';

export function installTestHooks(opts: { notifier: Notifier; logger: Logger; env: NodeJS.ProcessEnv }): void {
  const ms = Number(opts.env.EDGE_TEST_STALL_MS ?? 3000);
  process.on('SIGUSR2', () => {
    // The marker travels on the notify socket itself, so the test orders it exactly against pings.
    opts.notifier.send(`STATUS=test hook: blocking the event loop for ${ms} ms`);
    opts.logger.warn('test hook: blocking the event loop', { ms });
    // Blocks this thread without burning a core (the machine running the tests is shared).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  });
}
