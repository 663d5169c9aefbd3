// The running gateway lowers the priority of its helper threads (V8's compiler and GC, libuv's
// pool) so they never keep its main thread, where every scan is read and published, off a CPU
// (src/appliance/helper-threads.ts, DESIGN §10). Read from the kernel: /proc/<pid>/task/<tid>/stat.
import test from 'ava';
import { threadStats } from '../../bench/proc.ts';
import { HELPER_NICE } from '../../src/appliance/helper-threads.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, waitUntil } from '../helpers/gateway.ts';

/** Nice of each thread of `pid`, by thread id (field 19 of stat: `fields[16]`, counted from field 3). */
function niceByThread(pid: number): Map<number, number> {
  return new Map([...threadStats([pid])].map(({ tid, fields }) => [tid, Number(fields[16])]));
}

test('edge-gateway start: every helper thread runs at nice 19, the main thread keeps nice 0', async (t) => {
  t.timeout(60_000);
  const run = runCli(['start'], { EDGE_DATA_DIR: tempDir(), EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0' });
  t.teardown(() => run.child.kill('SIGKILL'));
  await run.ready;
  const pid = run.child.pid!;
  // Set just after ready: wait for it (the threads are read from the kernel, not from the log).
  const helpersNiced = () => {
    const nice = niceByThread(pid);
    return [...nice].filter(([tid]) => tid !== pid).every(([, n]) => n === HELPER_NICE);
  };
  await waitUntil(helpersNiced, 'every helper thread is at nice 19', 20_000);
  const nice = niceByThread(pid);
  t.is(nice.get(pid), 0, 'the main thread keeps its priority');
  const helpers = [...nice].filter(([tid]) => tid !== pid);
  // V8's worker and its delayed-task thread at least, and libuv's pool of 4 once it has run.
  t.true(helpers.length >= 2, `helper threads: ${helpers.length}`);
  t.deepEqual(new Set(helpers.map(([, n]) => n)), new Set([HELPER_NICE]));
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});
