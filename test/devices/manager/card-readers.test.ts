// The shipped card-reader profiles end to end: recorded reports replayed at the node-hid boundary,
// through the device manager, the keyboard decoder and the classifier, to the scan events a till
// receives over MQTT. Before the profiles' classify blocks were checked, all three readers were
// read as scanners: no `kind: "uid"`, and the magstripe reader without its magstripe guard.
import test from 'ava';
import { defaultProfilesDir } from '../../../src/devices/profiles/index.ts';
import { FakeHid } from '../../helpers/fake-hid.ts';
import { connect, recorder, startTestGateway } from '../../helpers/gateway.ts';

const keyboard = { usagePage: 1, usage: 6, interface: 0 };
const readers = [
  { path: '1-1.1:1.0', vendorId: 0x16c0, productId: 0x27db, product: 'HIDKeys', portPath: '1-1.1' },
  { path: '1-1.2:1.0', vendorId: 0xffff, productId: 0x0035, product: 'MIFARE Reader', portPath: '1-1.2' },
  { path: '1-1.3:1.0', vendorId: 0x0801, productId: 0x0001, product: 'USB Swipe Reader', portPath: '1-1.3' },
].map((d) => ({ ...d, ...keyboard }));

async function gatewayWithReaders(t: any) {
  const hid = new FakeHid();
  hid.devices = readers;
  const gw = await startTestGateway({ config: { till_id: 'T1', devices: { poll_interval_ms: 100 } }, hid });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const scans = await recorder(till, 'pos/T1/scan');
  t.deepEqual(
    gw.gateway.devices
      .list()
      .map((d) => [d.path, d.profile, d.state])
      .sort(),
    [
      ['1-1.1:1.0', 'em4100-reader', 'online'],
      ['1-1.2:1.0', 'uid-reader-13mhz', 'online'],
      ['1-1.3:1.0', 'magstripe-reader', 'online'],
    ],
  );
  const replay = (path: string, file: string) => hid.replay(path, defaultProfilesDir, file);
  return { gw, scans, replay };
}

test('UID readers publish kind uid with the canonical UID, whatever order the reader types it in', async (t) => {
  const { gw, scans, replay } = await gatewayWithReaders(t);
  replay('1-1.1:1.0', 'fixtures/em4100-reader/dez10-tag.hex');
  await scans.waitFor(1);
  replay('1-1.2:1.0', 'fixtures/uid-reader-13mhz/uid-hex-lsb.hex');
  await scans.waitFor(2);
  replay('1-1.2:1.0', 'fixtures/uid-reader-13mhz/random-uid-lsb.hex');
  const [em, mifare, random] = (await scans.waitFor(3)).map((m) => m.payload);
  t.like(em, {
    profile: 'em4100-reader',
    transport: 'hid-keyboard',
    kind: 'uid',
    symbology: 'rfid-uid',
    text: '0156941150',
    uid: { canonical: '095ABB5E', hex: '095ABB5E', bits: 32, format: 'dec10' },
    warnings: [],
  });
  t.like(mifare, {
    profile: 'uid-reader-13mhz',
    kind: 'uid',
    text: '51E69621',
    uid: { canonical: '2196E651', hex: '2196E651', bits: 32, format: 'hex' },
    warnings: [],
  });
  // A random UID (phone, payment card) is never an identity: text, flagged, no uid.
  t.like(random, { profile: 'uid-reader-13mhz', kind: 'text', warnings: ['random_uid'] });
  t.is(random.uid, undefined);
  t.is(scans.messages.length, 3);
  t.deepEqual(
    gw.lines.filter((l) => /"level":"(error|warn)"/.test(l)),
    [],
  );
});

test('the magstripe reader: a loyalty track is loyalty, a Maestro-range card is refused as a payment card', async (t) => {
  const { gw, scans, replay } = await gatewayWithReaders(t);
  replay('1-1.3:1.0', 'fixtures/magstripe-reader/loyalty-track2-mii9.hex');
  await scans.waitFor(1);
  replay('1-1.3:1.0', 'fixtures/magstripe-reader/loyalty-track2.hex');
  const [loyalty, refused] = (await scans.waitFor(2)).map((m) => m.payload);
  t.like(loyalty, {
    profile: 'magstripe-reader',
    kind: 'loyalty',
    symbology: 'magstripe',
    text: ';9276001234567?',
    loyalty: { pattern: 'loyalty-card-track', token_masked: '****4567', kind: 'card' },
  });
  // Nothing of the card leaves the classifier: no text, no symbology, no warnings.
  t.deepEqual(
    { kind: refused.kind, text: refused.text, symbology: refused.symbology, warnings: refused.warnings },
    { kind: 'payment_card_rejected', text: null, symbology: null, warnings: [] },
  );
  t.is(scans.messages.length, 2);
  t.false(
    gw.lines.some((l) => l.includes('600123456789')),
    'the refused number appears in no log line',
  );
});
