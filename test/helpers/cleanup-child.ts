// A test process for test/helpers/cleanup.test.ts: makes a data dir, a pty pair, a Mosquitto and
// an `edge-gateway` process, says where they are, and then ends as told without stopping any:
// `exit`, a normal end once the test writes a line; otherwise by the signal the test sends.
import { dirname } from 'node:path';
import { tempDir } from './cleanup.ts';
import { runCli } from './cli.ts';
import { startMosquitto } from './mosquitto.ts';
import { startPtyPair } from './pty.ts';

const data = tempDir();
const pty = await startPtyPair();
const mosquitto = await startMosquitto();
// A real `edge-gateway` command (the provider simulator: long-running, nothing else to start),
// named by a path inside the data dir so the test finds its process.
const cli = runCli(['simulate-provider', '--port', '0', '--config', `${data}/config.json`]);
await new Promise((resolve) => cli.child.stdout!.once('data', resolve));
process.stdout.write(`${JSON.stringify([data, dirname(pty.device), mosquitto.dir])}\n`);
if (process.argv[2] === 'exit') process.stdin.once('data', () => process.exit(0));
else setInterval(() => {}, 60_000);
