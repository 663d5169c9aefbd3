// The page sends every field of the provisioning form, the empty ones too. What `changed` names is
// what the technician is told was saved (and what the apply restarts): a URL field left empty on a
// box where it was never set is no change, one emptied after it was set is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { type ProvisionPatch, provision } from '../../src/config/provision.ts';
import { collectingLogger, tempDir } from '../helpers/gateway.ts';

function box() {
  const dataDir = tempDir('edge-provision-');
  const target = {
    configPath: join(dataDir, 'config.json'),
    dataDir,
    env: {},
    logger: collectingLogger().logger,
  };
  return { target, config: () => JSON.parse(readFileSync(target.configPath, 'utf8')) };
}

// What the form sends on a fresh box when only the till id was typed in.
const form = (over: ProvisionPatch): ProvisionPatch => ({
  till_id: '',
  branch_id: '',
  'provider.url': '',
  'provider.api_key': '',
  'uplink.url': '',
  'uplink.username': '',
  'uplink.password': '',
  'mqtt.users': [],
  ...over,
});

test('empty URL fields that were never set are not changes; only what was typed is named', async (t) => {
  const b = box();
  const r = await provision(b.target, form({ till_id: 'till-7' }));
  t.true(r.ok);
  t.deepEqual(r.ok && r.changed, ['till_id']);
  t.is(b.config().till_id, 'till-7');
  const again = await provision(b.target, form({ till_id: 'till-7' }));
  t.deepEqual(again.ok && again.changed, [], 'the same form again changes nothing');
});

test('an ops broker URL emptied after it was set is a change, back to none', async (t) => {
  const b = box();
  const set = await provision(b.target, form({ 'uplink.url': 'mqtt://ops.example:1883' }));
  t.deepEqual(set.ok && set.changed, ['uplink.url']);
  const cleared = await provision(b.target, form({}));
  t.deepEqual(cleared.ok && cleared.changed, ['uplink.url']);
  t.is(cleared.ok && cleared.settings.uplink.url, null);
});

test('the same till login with the same password again is no change; a new password is', async (t) => {
  const b = box();
  const login = (password: string) => form({ 'mqtt.users': [{ username: 'till1', password }] });
  const first = await provision(b.target, login('secretpass1'));
  t.deepEqual(first.ok && first.changed, ['mqtt.users']);
  const again = await provision(b.target, login('secretpass1'));
  t.deepEqual(again.ok && again.changed, [], 'run twice, `edge-gateway provision` restarts nothing');
  const other = await provision(b.target, login('secretpass2'));
  t.deepEqual(other.ok && other.changed, ['mqtt.users']);
});
