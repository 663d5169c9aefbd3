// Which profile and transport an enumerated USB device gets (DESIGN §6): the most specific match wins
// (VID+PID beats VID beats generic), generic fallback profiles lose every tie, and among the transports
// a device offers HID POS beats serial beats keyboard wedge.

import type { TransportKind } from '../types.ts';
import type { MatchRule, Profile } from './schema.ts';

/** One entry as node-hid `devices()` or serialport `list()` reports it (stack notes). */
export interface DeviceInfo {
  /** `hid`: the usage page decides between HID POS and keyboard; or a transport already decided. */
  transport: 'hid' | 'serial' | TransportKind;
  vendorId?: number;
  productId?: number;
  usagePage?: number;
  usage?: number;
  interface?: number;
  product?: string;
  manufacturer?: string;
  path?: string;
}

export interface ProfileMatch {
  profile: Profile;
  transport: TransportKind;
  rule: MatchRule;
  /** Higher is more specific; see `specificity`. */
  specificity: number;
}

const HID_POS_USAGE_PAGE = 0x8c; // docs/scanners-and-readers.md §2.1
const GENERIC_DESKTOP_PAGE = 0x01;
const KEYBOARD_USAGE = 0x06;

export function matchProfile(device: DeviceInfo, profiles: readonly Profile[]): ProfileMatch | undefined {
  let best: ProfileMatch | undefined;
  for (const profile of profiles) {
    for (const rule of profile.match) {
      if (!ruleMatches(rule, device)) continue;
      const candidate: ProfileMatch = {
        profile,
        transport: rule.transport,
        rule,
        specificity: specificity(rule),
      };
      if (!best || beats(candidate, best)) best = candidate;
    }
  }
  return best;
}

/**
 * A composite device shows up as several entries (Honeywell in keyboard mode: interface 0 keyboard,
 * interface 1 HID POS, docs/scanners-and-readers.md §2.3). Attach exactly one of them — the least
 * lossy — so one scan is never published twice (§8 item 21).
 */
export function chooseInterface(
  entries: readonly DeviceInfo[],
  profiles: readonly Profile[],
): { device: DeviceInfo; match: ProfileMatch } | undefined {
  let best: { device: DeviceInfo; match: ProfileMatch } | undefined;
  for (const device of entries) {
    const match = matchProfile(device, profiles);
    if (!match) continue;
    if (!best || preferAttachment(match, best.match)) best = { device, match };
  }
  return best;
}

function preferAttachment(a: ProfileMatch, b: ProfileMatch): boolean {
  if (a.profile.fallback !== b.profile.fallback) return !a.profile.fallback;
  const pa = transportRank(a);
  const pb = transportRank(b);
  if (pa !== pb) return pa < pb;
  return a.specificity > b.specificity;
}

function beats(a: ProfileMatch, b: ProfileMatch): boolean {
  if (a.profile.fallback !== b.profile.fallback) return !a.profile.fallback;
  if (a.specificity !== b.specificity) return a.specificity > b.specificity;
  const pa = transportRank(a);
  const pb = transportRank(b);
  if (pa !== pb) return pa < pb;
  return a.profile.id < b.profile.id; // deterministic whatever the file order
}

function transportRank(m: ProfileMatch): number {
  const i = m.profile.transports.indexOf(m.transport);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

/** VID+PID (48) > VID (16) > anything a generic rule can add (regexes 4 each, HID fields 2 each). */
export function specificity(rule: MatchRule): number {
  let score = 0;
  if (rule.vendorId !== undefined) score += 16;
  if (rule.productId !== undefined) score += 32;
  for (const field of [rule.usagePage, rule.usage, rule.interface]) if (field !== undefined) score += 2;
  for (const field of [rule.productRegex, rule.manufacturerRegex, rule.pathRegex])
    if (field !== undefined) score += 4;
  return score;
}

function ruleMatches(rule: MatchRule, device: DeviceInfo): boolean {
  if (!transportFits(rule, device)) return false;
  if (!same(rule.vendorId, device.vendorId)) return false;
  if (!same(rule.productId, device.productId)) return false;
  if (!same(rule.usagePage, device.usagePage)) return false;
  if (!same(rule.usage, device.usage)) return false;
  if (!same(rule.interface, device.interface)) return false;
  if (!regexFits(rule.productRegex, device.product)) return false;
  if (!regexFits(rule.manufacturerRegex, device.manufacturer)) return false;
  return regexFits(rule.pathRegex, device.path);
}

function transportFits(rule: MatchRule, device: DeviceInfo): boolean {
  if (device.transport !== 'hid') return device.transport === rule.transport;
  if (rule.transport === 'serial') return false;
  // A rule naming its usage page decides for itself (checked by `same`); otherwise the collection's
  // usage page says what the entry is. Without one (libusb backend) only interface rules can tell.
  if (rule.usagePage !== undefined || device.usagePage === undefined) return true;
  if (device.usagePage === HID_POS_USAGE_PAGE) return rule.transport === 'hid-pos';
  if (device.usagePage === GENERIC_DESKTOP_PAGE && device.usage === KEYBOARD_USAGE) {
    return rule.transport === 'hid-keyboard';
  }
  // Mice, consumer control, vendor pages such as Honeywell's 0xFF8C
  // (docs/scanners-and-readers.md §2.4, S62).
  return false;
}

function same(wanted: number | undefined, actual: number | undefined): boolean {
  return wanted === undefined || wanted === actual;
}

const compiled = new Map<string, RegExp | null>();

function regexFits(source: string | undefined, actual: string | undefined): boolean {
  if (source === undefined) return true;
  if (actual === undefined) return false;
  let re = compiled.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source, 'i');
    } catch {
      re = null; // the loader rejects these; a hand-built profile just never matches
    }
    compiled.set(source, re);
  }
  return re?.test(actual) === true;
}
