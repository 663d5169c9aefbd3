// udev rules from the device profiles (firmware-config/profiles/*.json): the device nodes of
// profiled scanners and readers — hidraw, the USB device node libusb opens, the tty of a serial
// scanner — go to the edge-gateway group (the service user alone) and no one else, and each gets a
// name that survives replugging: /dev/edge-scanner-<serial> for a tty,
// /dev/edge-scanner-<serial>-hid<interface> for a HID interface. ModemManager is told to leave the
// ports of scanner vendors alone (its AT probes reach a CDC scanner as garbage,
// docs/scanners-and-readers.md §0 rule 7); the generic serial profile claims every USB tty, but
// does not blind ModemManager to all of them, so a shop's LTE stick keeps working (the gateway
// filters modem probes, framing/modem-probe).
//
// The committed file systemd/70-edge-gateway.rules is this module's output (a test compares them):
//   node --import=tsx src/appliance/udev-rules.ts > systemd/70-edge-gateway.rules
// 70-: after 60-serial/60-persistent-* (which set the ID_* properties), before 73-seat-late and
// ModemManager's 80-mm-candidate.
import { pathToFileURL } from 'node:url';
import { loadProfiles, type Profile } from '../devices/profiles/index.ts';
import type { MatchRule } from '../devices/profiles/schema.ts';
import { regexToGlobs } from './regex-glob.ts';

export const SERVICE_GROUP = 'edge-gateway';
const END = 'edge_gateway_end';

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** The udev match keys of one profile rule, for one kind of device node. */
function matchKeys(rule: MatchRule, node: 'hidraw' | 'usb' | 'tty', profile: string): string[] {
  // On the USB device node itself the attributes are its own (ATTR); below it they are a parent's.
  const attr = node === 'usb' ? 'ATTR' : 'ATTRS';
  const keys: string[] =
    node === 'usb' ? ['SUBSYSTEM=="usb"', 'ENV{DEVTYPE}=="usb_device"'] : [`SUBSYSTEM=="${node}"`];
  if (rule.vendorId !== undefined) keys.push(`${attr}{idVendor}=="${hex4(rule.vendorId)}"`);
  if (rule.productId !== undefined) keys.push(`${attr}{idProduct}=="${hex4(rule.productId)}"`);
  if (rule.productRegex) keys.push(`${attr}{product}=="${regexToGlobs(rule.productRegex, true).join('|')}"`);
  if (rule.manufacturerRegex) {
    keys.push(`${attr}{manufacturer}=="${regexToGlobs(rule.manufacturerRegex, true).join('|')}"`);
  }
  if (rule.pathRegex) {
    const globs = regexToGlobs(rule.pathRegex, false);
    if (!globs.every((g) => g.startsWith('/dev/') && !g.slice(5).includes('/'))) {
      throw new Error(`profile ${profile}: pathRegex /${rule.pathRegex}/ must name nodes directly in /dev`);
    }
    keys.push(`KERNEL=="${globs.map((g) => g.slice(5)).join('|')}"`);
  }
  // The interface number is matched by the gateway (libusb and hidraw see it differently); a rule
  // with nothing but its subsystem would hand every such device to the service.
  if (keys.length === (node === 'usb' ? 2 : 1)) {
    throw new Error(`profile ${profile}: a ${rule.transport} rule needs a vendor, product or path to match`);
  }
  return keys;
}

function nodesOf(rule: MatchRule): ('hidraw' | 'usb' | 'tty')[] {
  // HID devices are opened through hidraw or, with the libusb driver, the USB device node.
  return rule.transport === 'serial' ? ['tty'] : ['hidraw', 'usb'];
}

/** Generic profiles (no vendor) first, so a vendor's own profile names the device when both match. */
function generality(p: Profile): number {
  return p.match.some((r) => r.vendorId !== undefined) ? 1 : 0;
}

export function udevRules(profiles: readonly Profile[]): string {
  const lines = [
    '# Till edge gateway: device access for the service (DESIGN §6, §9; issue 11).',
    '# Generated from firmware-config/profiles/*.json by src/appliance/udev-rules.ts — do not edit:',
    '#   node --import=tsx src/appliance/udev-rules.ts > systemd/70-edge-gateway.rules',
    '',
    `ACTION=="remove", GOTO="${END}"`,
    `SUBSYSTEM!="hidraw|tty|usb", GOTO="${END}"`,
    '',
    '# Profiled devices, tagged with the profile that claims them.',
  ];
  const sorted = [...profiles].sort((a, b) => generality(a) - generality(b) || a.id.localeCompare(b.id));
  for (const p of sorted) {
    lines.push(`# ${p.id}: ${p.name}`);
    const seen = new Set<string>();
    for (const rule of p.match) {
      for (const node of nodesOf(rule)) {
        const keys = [...matchKeys(rule, node, p.id), `ENV{EDGE_GATEWAY_PROFILE}="${p.id}"`];
        if (rule.vendorId !== undefined && node !== 'hidraw') keys.push('ENV{ID_MM_DEVICE_IGNORE}="1"');
        const line = keys.join(', ');
        if (!seen.has(line)) lines.push(line);
        seen.add(line);
      }
    }
  }
  lines.push(
    '',
    '# Everything tagged above: the service alone may open it.',
    `ENV{EDGE_GATEWAY_PROFILE}!="?*", GOTO="${END}"`,
    `GROUP="${SERVICE_GROUP}", MODE="0660"`,
    '',
    '# Stable names by USB serial number (devices without one keep only /dev/serial/by-path).',
    `SUBSYSTEM=="usb", GOTO="${END}"`,
    'IMPORT{builtin}="usb_id"',
    `ENV{ID_SERIAL_SHORT}!="?*", GOTO="${END}"`,
    'SUBSYSTEM=="tty", SYMLINK+="edge-scanner-$env{ID_SERIAL_SHORT}"',
    'SUBSYSTEM=="hidraw", SYMLINK+="edge-scanner-$env{ID_SERIAL_SHORT}-hid$env{ID_USB_INTERFACE_NUM}"',
    '',
    `LABEL="${END}"`,
    '',
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { profiles, errors } = loadProfiles();
  if (errors.length > 0) {
    process.stderr.write(`${errors.map((e) => `${e.file} ${e.path}: ${e.message}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(udevRules(profiles));
}
