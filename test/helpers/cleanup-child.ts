// A test process for test/helpers/cleanup.test.ts: makes a data dir, a pty pair and a Mosquitto,
// says where they are, and then ends as told without stopping any: `exit`, a normal end once the
// test writes a line; otherwise by the signal the test sends.
import { dirname } from 'node:path';
import { tempDir } from './cleanup.ts';
import { startMosquitto } from './mosquitto.ts';
import { startPtyPair } from './pty.ts';

const data = tempDir();
const pty = await startPtyPair();
const mosquitto = await startMosquitto();
process.stdout.write(`${JSON.stringify([data, dirname(pty.device), mosquitto.dir])}\n`);
if (process.argv[2] === 'exit') process.stdin.once('data', () => process.exit(0));
else setInterval(() => {}, 60_000);
