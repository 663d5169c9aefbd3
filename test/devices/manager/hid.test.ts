import test from 'ava';
import { defaultProfilesDir } from '../../../src/devices/profiles/index.ts';
import { FakeHid } from '../../helpers/fake-hid.ts';
import {
  connect,
  recorder,
  settled,
  sleep,
  startTestGateway,
  withoutBarriers,
} from '../../helpers/gateway.ts';

// A Honeywell in keyboard mode is a composite device: interface 0 keyboard, interface 1 HID POS.
function honeywellComposite(port = '1-1.2') {
  return [
    {
      path: `${port}:1.0`,
      vendorId: 0x0c2e,
      productId: 0x0b81,
      serialNumber: 'HW123',
      interface: 0,
      usagePage: 1,
      usage: 6,
      product: 'Honeywell Scanner',
      portPath: port,
    },
    {
      path: `${port}:1.1`,
      vendorId: 0x0c2e,
      productId: 0x0b81,
      serialNumber: 'HW123',
      interface: 1,
      usagePage: 0x8c,
      usage: 2,
      product: 'Honeywell Scanner',
      portPath: port,
    },
  ];
}

test('a composite Honeywell is attached once, through HID POS, and recorded reports become one scan each', async (t) => {
  const hid = new FakeHid();
  hid.devices = honeywellComposite();
  const gw = await startTestGateway({ config: { till_id: 'T1', devices: { poll_interval_ms: 100 } }, hid });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const scans = await recorder(till, 'pos/T1/scan');

  const devices = gw.gateway.devices.list();
  t.is(devices.length, 1);
  t.like(devices[0], {
    id: '0c2e-0b81-HW123',
    profile: 'honeywell',
    transport: 'hid-pos',
    state: 'online',
    path: '1-1.2:1.1',
  });
  t.deepEqual([...hid.handles.keys()], ['1-1.2:1.1'], 'the keyboard interface is never opened');
  // The keyboard → HID POS redirect was sent on open, once (profile scannerConfig.hostInit).
  t.deepEqual(hid.handles.get('1-1.2:1.1')!.featureReports, [[0xfe, 0x01]]);

  hid.replay('1-1.2:1.1', defaultProfilesDir, 'fixtures/honeywell/hidpos-qr-multi.hex');
  const [scan] = await scans.waitFor(1);
  t.is(scan!.payload.transport, 'hid-pos');
  t.is(scan!.payload.device_id, '0c2e-0b81-HW123');
  t.true(scan!.payload.text.length > 56, 'a multi-report scan is assembled across continuation reports');
  await settled(scans, 'T1');
  t.is(withoutBarriers(scans.messages).length, 1);
});

test('a HID device unplugged mid-scan goes offline without publishing the partial scan, and comes back on replug', async (t) => {
  const hid = new FakeHid();
  hid.devices = honeywellComposite();
  const gw = await startTestGateway({ config: { till_id: 'T1', devices: { poll_interval_ms: 100 } }, hid });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const scans = await recorder(till, 'pos/T1/scan');
  const availability = await recorder(till, 'pos/T1/device/0c2e-0b81-HW123/availability');
  await availability.until((m) => m.payload.state === 'online');

  // First report of a multi-report scan (continued bit set), then the cable is pulled.
  const h = hid.handles.get('1-1.2:1.1')!;
  const partial = new Uint8Array(64);
  partial.set([0x02, 56]);
  partial.fill(0x41, 2, 58);
  partial[63] = 0x01;
  h.report(partial);
  availability.messages.length = 0;
  hid.unplug('1-1.2:1.1');
  hid.devices = [];
  await availability.until((m) => m.payload.state === 'offline');
  // Past the continuation timeout (the timer would have fired before this one), then a barrier:
  // a partial scan published at the timeout would have reached the till before it.
  await sleep(700);
  await settled(scans, 'T1');
  t.is(withoutBarriers(scans.messages).length, 0);

  // Replugged into the same port: the same id, re-attached without a restart.
  hid.devices = honeywellComposite();
  await availability.until((m) => m.payload.state === 'online');
  hid.replay('1-1.2:1.1', defaultProfilesDir, 'fixtures/honeywell/hidpos-qr-single.hex');
  const replayed = await scans.until((m) => m.payload.device_id === '0c2e-0b81-HW123');
  t.is(withoutBarriers(scans.messages).indexOf(replayed), 0);
});

test('a device that fails to open is reported with its reason and retried, and the gateway keeps serving', async (t) => {
  const hid = new FakeHid();
  hid.devices = honeywellComposite();
  hid.failOpen.add('1-1.2:1.1');
  const gw = await startTestGateway({ config: { till_id: 'T1', devices: { poll_interval_ms: 100 } }, hid });
  t.teardown(() => gw.stop());
  const [d] = gw.gateway.devices.list();
  t.is(d!.state, 'error');
  t.regex(d!.reason!, /open_failed: open failed: device busy/);
  hid.failOpen.clear();
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const availability = await recorder(till, 'pos/T1/device/0c2e-0b81-HW123/availability');
  await availability.until((m) => m.payload.state === 'online', 5000);
  t.is(gw.gateway.devices.list()[0]!.state, 'online');
});
