// The composition root's lifecycle: parts start in list order and stop in reverse, a failing stop
// is logged and isolated, SIGTERM (the abort signal) during start stops what started and ends the
// start, and a service read before its part started is named as a wiring bug.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/config/load.ts';
import { PARTS, startGateway } from '../../src/gateway.ts';
import { createRequestRouter } from '../../src/mqtt/requests.ts';
import type { ResponseEnvelope } from '../../src/mqtt/topics.ts';
import { createContext, type GatewayContext } from '../../src/parts/context.ts';
import { type Part, PartFailed, StartAborted, startParts } from '../../src/parts/part.ts';
import { collectingLogger, tempDir } from '../helpers/gateway.ts';

async function context(signal = new AbortController().signal) {
  const dataDir = tempDir();
  const { logger, lines } = collectingLogger();
  const config = await loadConfig({ configPath: join(dataDir, 'config.json'), dataDir, env: {}, logger });
  const ctx = createContext({ config, logger, signal, hardware: {} });
  return { ctx, lines, config, logger };
}

function recordingPart(name: string, events: string[], opts: { failStop?: boolean } = {}): Part {
  return {
    name,
    start() {
      events.push(`start ${name}`);
      return {
        stop() {
          events.push(`stop ${name}`);
          if (opts.failStop) throw new Error(`${name} broke while stopping`);
        },
      };
    },
  };
}

test('parts start in list order and stop in reverse', async (t) => {
  const { ctx } = await context();
  const events: string[] = [];
  const started = await startParts(
    ['a', 'b', 'c'].map((n) => recordingPart(n, events)),
    ctx,
  );
  await started.stop();
  t.deepEqual(events, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
});

test('an error in one part’s stop is logged with the part’s name and the others still stop', async (t) => {
  const { ctx, lines } = await context();
  const events: string[] = [];
  const parts = [
    recordingPart('a', events),
    recordingPart('b', events, { failStop: true }),
    recordingPart('c', events),
  ];
  const started = await startParts(parts, ctx);
  await t.notThrowsAsync(started.stop());
  t.deepEqual(events.slice(3), ['stop c', 'stop b', 'stop a']);
  const failures = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'stop failed');
  t.is(failures.length, 1);
  t.like(failures[0], { level: 'error', part: 'b', error: { message: 'b broke while stopping' } });
});

test('an abort during start stops the parts already started, in reverse, and starts no more', async (t) => {
  const abort = new AbortController();
  const { ctx } = await context(abort.signal);
  const events: string[] = [];
  const sigterm: Part = {
    name: 'sigterm',
    start() {
      events.push('start sigterm');
      abort.abort();
      return { stop: () => void events.push('stop sigterm') };
    },
  };
  const parts = [recordingPart('a', events), sigterm, recordingPart('c', events)];
  await t.throwsAsync(startParts(parts, ctx), { instanceOf: StartAborted });
  t.deepEqual(events, ['start a', 'start sigterm', 'stop sigterm', 'stop a']);
});

test('a part that fails to start stops the ones before it and the error reaches the caller', async (t) => {
  const { ctx } = await context();
  const events: string[] = [];
  const broken: Part = {
    name: 'broken',
    start() {
      throw new Error('port in use');
    },
  };
  const parts = [recordingPart('a', events), broken, recordingPart('c', events)];
  const err = await t.throwsAsync(startParts(parts, ctx), {
    instanceOf: PartFailed,
    message: 'broken failed to start: port in use',
  });
  t.is((err!.cause as Error).message, 'port in use');
  t.deepEqual(events, ['start a', 'stop a']);
});

test('a service read before the part that provides it has started is named as a wiring bug', async (t) => {
  const { ctx } = await context();
  t.throws(() => (ctx as GatewayContext).loyalty, {
    message: 'loyalty is used before the loyalty part has started',
  });
  t.throws(() => ctx.publish('state', { state: 'online' }), {
    message: 'broker is used before the broker part has started',
  });
});

test('the bus carries an event to every listener even when one of them throws', async (t) => {
  const { ctx, lines } = await context();
  const heard: string[] = [];
  ctx.bus.on('loyalty', () => {
    throw new Error('listener bug');
  });
  const off = ctx.bus.on('loyalty', () => heard.push('second'));
  ctx.bus.emit('loyalty', undefined);
  off();
  ctx.bus.emit('loyalty', undefined);
  t.deepEqual(heard, ['second']);
  t.true(lines.some((l) => JSON.parse(l).msg === 'event listener failed'));
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('SIGTERM while the real gateway starts: the broker it already opened is closed and start ends aborted', async (t) => {
  const dataDir = tempDir();
  const mqttPort = await freePort();
  const { logger } = collectingLogger();
  const configPath = join(dataDir, 'config.json');
  // No HID: tests never touch the machine's real USB devices.
  writeFileSync(configPath, JSON.stringify({ devices: { hid: false } }));
  const config = await loadConfig({
    configPath,
    dataDir,
    env: { EDGE_MQTT_PORT: String(mqttPort), EDGE_MQTT_WS_PORT: '0', EDGE_HTTP_PORT: '0' },
    logger,
  });
  const abort = new AbortController();
  // The signal arrives while the loyalty part starts (its simulator is up, the outbox opening).
  const parts = PARTS.map((p): Part => {
    if (p.name !== 'loyalty') return p;
    return {
      name: p.name,
      start(ctx) {
        abort.abort();
        return p.start(ctx);
      },
    };
  });
  const gateway = startGateway({ config, logger, signal: abort.signal }, parts);
  await t.throwsAsync(gateway, { instanceOf: StartAborted });
  // The port is free again: the broker that was listening has been closed.
  const probe = createServer();
  await t.notThrowsAsync(
    new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(mqttPort, '127.0.0.1', resolve);
    }),
  );
  await new Promise((r) => probe.close(r));
});

test('once the router is closed (the online part stopping) every request is answered unavailable, once', async (t) => {
  const { logger } = collectingLogger();
  const answers: ResponseEnvelope[] = [];
  const router = createRequestRouter({
    logger,
    maxPayloadBytes: () => 1024,
    respond: (_op, r) => void answers.push(r),
  });
  router.handle('gateway/test_scan', () => ({ scan_id: 'x' }));
  await router.dispatch('gateway/test_scan', Buffer.from(JSON.stringify({ transaction: 'a', text: 'x' })));
  router.close();
  await router.dispatch('gateway/test_scan', Buffer.from(JSON.stringify({ transaction: 'b', text: 'x' })));
  t.deepEqual(
    answers.map((a) => [a.transaction, a.status, a.error?.code]),
    [
      ['a', 'ok', undefined],
      ['b', 'error', 'unavailable'],
    ],
  );
});

test('a partial restart stops the chosen parts in reverse and starts them in order, handing each its last stop’s result', async (t) => {
  const { ctx } = await context();
  const events: string[] = [];
  const counting = (name: string): Part => ({
    name,
    start(_ctx, handover) {
      const generation = ((handover as number | undefined) ?? 0) + 1;
      events.push(`start ${name} #${generation}`);
      return {
        stop() {
          events.push(`stop ${name} #${generation}`);
          return generation;
        },
      };
    },
  });
  const started = await startParts(['a', 'b', 'c', 'd'].map(counting), ctx);
  events.length = 0;
  await started.restart(new Set(['b', 'd']));
  t.deepEqual(events, ['stop d #1', 'stop b #1', 'start b #2', 'start d #2']);
  events.length = 0;
  await started.stop();
  t.deepEqual(events, ['stop d #2', 'stop c #1', 'stop b #2', 'stop a #1']);
});

test('while a part restarts its services are withdrawn and named as restarting; then the new one is served', async (t) => {
  const { ctx } = await context();
  let seenWhileStopping: string | undefined;
  const provider: Part = {
    name: 'loyalty',
    start(c) {
      const service = { generation: Math.random() } as never;
      c.provide('loyalty', service);
      return {
        stop() {
          seenWhileStopping = t.throws(() => ctx.loyalty)?.message;
        },
      };
    },
  };
  const started = await startParts([provider], ctx);
  const before = ctx.loyalty;
  await started.restart(new Set(['loyalty']));
  t.is(seenWhileStopping, 'loyalty is used while the loyalty part restarts');
  t.not(ctx.loyalty, before);
  await started.stop();
  t.throws(() => ctx.loyalty, { message: 'loyalty is used before the loyalty part has started' });
});
