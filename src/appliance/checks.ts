// What the service watchdog asks before each ping (watchdog.ts): the loops a till depends on.
import { connect } from 'node:net';
import type { HealthCheck } from './watchdog.ts';

/** The outbox dispatcher is running and will make progress on its own (Dispatcher.alive()). */
export function outboxCheck(dispatcher: { alive(): boolean }): HealthCheck {
  return {
    name: 'outbox dispatcher',
    run: () => (dispatcher.alive() ? undefined : 'not running'),
  };
}

/**
 * The broker accepts a connection and speaks MQTT on it. A TCP connect alone would be answered by
 * the kernel's listen backlog even with nothing reading it, so the probe sends a PINGREQ before any
 * CONNECT: the broker must close that connection (MQTT-3.1.0-1), which only its packet handling
 * does. No login is attempted, so nothing is logged above debug and no credentials are needed.
 */
export function brokerCheck(host: string, port: number, timeoutMs = 1500): HealthCheck {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return {
    name: 'broker',
    run: () =>
      new Promise<string | undefined>((resolve) => {
        const socket = connect({ host: target, port });
        let connected = false;
        const fail = (why: string) => {
          resolve(why);
          socket.destroy();
        };
        socket.once('connect', () => {
          connected = true;
          // Not end(): a half-close would let any server hang up without reading a byte.
          socket.write(Buffer.from([0xc0, 0x00])); // PINGREQ
        });
        socket.once('error', (err: NodeJS.ErrnoException) =>
          fail(`not accepting connections on ${target}:${port} (${err.code ?? err.message})`),
        );
        socket.once('close', () => (connected ? resolve(undefined) : fail(`closed before connecting`)));
        socket.setTimeout(timeoutMs, () =>
          fail(`no MQTT answer on ${target}:${port} within ${timeoutMs} ms`),
        );
      }),
  };
}
