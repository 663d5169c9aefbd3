// Which profile and transport an enumerated device gets (DESIGN §6): specificity, the generic fallbacks,
// and HID POS before serial before keyboard wedge.

import test from 'ava';
import { defaultProfilesDir, loadProfiles } from '../../../src/devices/profiles/loader.ts';
import { chooseInterface, type DeviceInfo, matchProfile } from '../../../src/devices/profiles/match.ts';
import { type ProfileInput, profileSchema } from '../../../src/devices/profiles/schema.ts';

const bundled = loadProfiles(defaultProfilesDir).profiles;

function profile(input: Omit<ProfileInput, 'name' | 'kind'> & Partial<ProfileInput>) {
  return profileSchema.parse({ name: input.id, kind: 'scanner', ...input });
}

function which(device: DeviceInfo) {
  const m = matchProfile(device, bundled);
  return m && { profile: m.profile.id, transport: m.transport };
}

test('VID+PID beats VID beats a generic rule, whatever the profile order', (t) => {
  const profiles = [
    profile({ id: 'any-serial', fallback: true, match: [{ transport: 'serial' }] }),
    profile({ id: 'acme-family', match: [{ transport: 'serial', vendorId: '0x1234' }] }),
    profile({
      id: 'acme-model-7',
      match: [{ transport: 'serial', vendorId: '0x1234', productId: '0x0007' }],
    }),
  ];
  const pick = (d: DeviceInfo) => matchProfile(d, profiles)?.profile.id;
  for (const order of [profiles, [...profiles].reverse()]) {
    t.is(
      matchProfile({ transport: 'serial', vendorId: 0x1234, productId: 7 }, order)?.profile.id,
      'acme-model-7',
    );
  }
  t.is(pick({ transport: 'serial', vendorId: 0x1234, productId: 8 }), 'acme-family');
  t.is(pick({ transport: 'serial', vendorId: 0x9999, productId: 7 }), 'any-serial');
});

test('a fallback profile loses a tie against a model profile with the same specificity', (t) => {
  const profiles = [
    profile({
      id: 'a-generic',
      fallback: true,
      match: [{ transport: 'hid-keyboard', productRegex: 'reader' }],
    }),
    profile({ id: 'z-model', match: [{ transport: 'hid-keyboard', productRegex: 'card reader' }] }),
  ];
  t.is(
    matchProfile({ transport: 'hid-keyboard', product: 'IC Card Reader' }, profiles)?.profile.id,
    'z-model',
  );
});

test('a Honeywell HID POS collection gets the honeywell profile on HID POS', (t) => {
  t.deepEqual(
    which({ transport: 'hid', vendorId: 0x0c2e, productId: 0x0b87, usagePage: 0x8c, usage: 0x02 }),
    {
      profile: 'honeywell',
      transport: 'hid-pos',
    },
  );
});

test('composite Honeywell in keyboard mode: only the HID POS interface is attached (items 19, 21)', (t) => {
  const entries: DeviceInfo[] = [
    {
      transport: 'hid',
      vendorId: 0x0c2e,
      productId: 0x0b81,
      usagePage: 0x01,
      usage: 0x06,
      interface: 0,
      path: 'a',
    },
    {
      transport: 'hid',
      vendorId: 0x0c2e,
      productId: 0x0b81,
      usagePage: 0xff8c,
      usage: 0x01,
      interface: 2,
      path: 'b',
    },
    {
      transport: 'hid',
      vendorId: 0x0c2e,
      productId: 0x0b81,
      usagePage: 0x8c,
      usage: 0x02,
      interface: 1,
      path: 'c',
    },
  ];
  const chosen = chooseInterface(entries, bundled);
  t.is(chosen?.device.path, 'c');
  t.is(chosen?.match.transport, 'hid-pos');
  t.deepEqual(
    chosen?.match.profile.scannerConfig.hostInit.map((h) => h.featureReport),
    [[0xfe, 0x01]],
    'the keyboard→HID POS redirect travels with the match',
  );
  t.deepEqual(which(entries[0]!), { profile: 'honeywell', transport: 'hid-keyboard' });
  t.is(which(entries[1]!), undefined, 'the vendor page 0xFF8C (REM) is never a scan source');
});

test('vendor CDC and keyboard modes map to their transports', (t) => {
  t.deepEqual(which({ transport: 'serial', vendorId: 0x05e0, productId: 0x1701, path: '/dev/ttyACM0' }), {
    profile: 'zebra',
    transport: 'serial',
  });
  t.deepEqual(which({ transport: 'hid', vendorId: 0x05e0, productId: 0x1200, usagePage: 1, usage: 6 }), {
    profile: 'zebra',
    transport: 'hid-keyboard',
  });
  t.deepEqual(which({ transport: 'serial', vendorId: 0x05f9, productId: 0x4204, path: '/dev/ttyACM1' }), {
    profile: 'datalogic',
    transport: 'serial',
  });
  t.deepEqual(which({ transport: 'hid', vendorId: 0x1eab, productId: 0x1d10, usagePage: 0x8c, usage: 2 }), {
    profile: 'newland',
    transport: 'hid-pos',
  });
});

test('card readers: MagTek, the V-USB EM4100 reader and a 13.56 MHz reader by name', (t) => {
  t.deepEqual(which({ transport: 'hid', vendorId: 0x0801, productId: 0x0001, usagePage: 1, usage: 6 }), {
    profile: 'magstripe-reader',
    transport: 'hid-keyboard',
  });
  t.deepEqual(
    which({
      transport: 'hid',
      vendorId: 0x16c0,
      productId: 0x27db,
      usagePage: 1,
      usage: 6,
      product: 'HIDKeys',
    }),
    { profile: 'em4100-reader', transport: 'hid-keyboard' },
  );
  t.deepEqual(
    which({
      transport: 'hid',
      vendorId: 0xffff,
      productId: 0x0035,
      usagePage: 1,
      usage: 6,
      product: 'MIFARE Reader',
    }),
    {
      profile: 'uid-reader-13mhz',
      transport: 'hid-keyboard',
    },
  );
});

test('generic profiles: a scanner-named keyboard and a ttyACM port; never a plain keyboard or the Pi UART', (t) => {
  t.deepEqual(
    which({ transport: 'hid', vendorId: 0x1a86, usagePage: 1, usage: 6, product: 'USB Barcode Scanner' }),
    {
      profile: 'generic-keyboard',
      transport: 'hid-keyboard',
    },
  );
  t.is(
    which({ transport: 'hid', vendorId: 0x046d, usagePage: 1, usage: 6, product: 'Logitech USB Keyboard' }),
    undefined,
  );
  t.deepEqual(which({ transport: 'serial', vendorId: 0x1a86, path: '/dev/ttyACM3' }), {
    profile: 'generic-serial',
    transport: 'serial',
  });
  t.is(which({ transport: 'serial', path: '/dev/ttyAMA0' }), undefined);
});

test('a HID entry that is neither HID POS nor keyboard matches nothing; a decided transport is taken as is', (t) => {
  t.is(
    which({ transport: 'hid', vendorId: 0x0c2e, usagePage: 0x01, usage: 0x02 }),
    undefined,
    'a mouse collection',
  );
  t.deepEqual(which({ transport: 'hid-keyboard', vendorId: 0x05e0, productId: 0x1200 }), {
    profile: 'zebra',
    transport: 'hid-keyboard',
  });
  t.is(
    which({ transport: 'hid-pos', vendorId: 0x05e0, productId: 0x1200 }),
    undefined,
    'no HID POS rule fits',
  );
});
