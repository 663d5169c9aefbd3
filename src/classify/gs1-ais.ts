// GS1 Application Identifiers the parser knows (GS1 General Specifications §3.2, "GS1 Application
// Identifiers in alphanumeric order"; predefined lengths §7.8.5). Only AIs listed here parse: an
// unknown AI has an unknown length, so the rest of the string cannot be split safely.
//
// `predefined`: the AI's length is fixed by the GS1 table of predefined lengths (first two digits
// 00–04, 11–20, 31–36, 41), so no FNC1 follows it. Other fixed-length AIs (e.g. 402, 7003, 8005)
// still end with a separator unless last.

export interface AiSpec {
  /** Exact data length, for fixed-length AIs. */
  fixed?: number;
  /** Maximum data length, for variable-length AIs. */
  max?: number;
  numeric: boolean;
  predefined: boolean;
  /** YYMMDD date (day 00 allowed: end of month). */
  date?: boolean;
  /** The last digit is a GS1 mod-10 check digit (GTIN, SSCC, GLN…). */
  checkDigit?: boolean;
}

const n = (fixed: number, extra: Partial<AiSpec> = {}): AiSpec => ({
  fixed,
  numeric: true,
  predefined: false,
  ...extra,
});
const nv = (max: number): AiSpec => ({ max, numeric: true, predefined: false });
const an = (max: number): AiSpec => ({ max, numeric: false, predefined: false });
const pre = (spec: AiSpec): AiSpec => ({ ...spec, predefined: true });

const TABLE = new Map<string, AiSpec>([
  ['00', pre(n(18, { checkDigit: true }))],
  ['01', pre(n(14, { checkDigit: true }))],
  ['02', pre(n(14, { checkDigit: true }))],
  ['03', pre(n(14, { checkDigit: true }))],
  ['10', an(20)],
  ['11', pre(n(6, { date: true }))],
  ['12', pre(n(6, { date: true }))],
  ['13', pre(n(6, { date: true }))],
  ['15', pre(n(6, { date: true }))],
  ['16', pre(n(6, { date: true }))],
  ['17', pre(n(6, { date: true }))],
  ['20', pre(n(2))],
  ['21', an(20)],
  ['22', an(20)],
  ['235', an(28)],
  ['240', an(30)],
  ['241', an(30)],
  ['242', nv(6)],
  ['243', an(20)],
  ['250', an(30)],
  ['251', an(30)],
  ['253', an(30)],
  ['254', an(20)],
  ['255', nv(25)],
  ['30', nv(8)],
  ['37', nv(8)],
  ['400', an(30)],
  ['401', an(30)],
  ['402', n(17, { checkDigit: true })],
  ['403', an(30)],
  ['420', an(20)],
  ['421', an(12)],
  ['422', n(3)],
  ['7003', n(10)],
  ['7240', an(20)],
  ['8003', an(30)],
  ['8004', an(30)],
  ['8005', n(6)],
  ['8006', n(18)],
  ['8008', nv(12)],
  ['8010', an(30)],
  ['8011', nv(12)],
  ['8012', an(20)],
  ['8013', an(25)],
  ['8017', n(18, { checkDigit: true })],
  ['8018', n(18, { checkDigit: true })],
  ['8020', an(25)],
  ['8200', an(70)],
  ['90', an(30)],
]);

// Trade and logistic measures 310n–369n (six digits, n = 0–5 decimals; 317–319, 338–339 and
// 358–359 do not exist); amounts 390n–393n.
const MEASURE_FAMILIES: ReadonlyArray<readonly [number, number]> = [
  [310, 316],
  [320, 329],
  [330, 337],
  [340, 349],
  [350, 357],
  [360, 369],
];
for (const [first, last] of MEASURE_FAMILIES) {
  for (let family = first; family <= last; family++) {
    for (let decimals = 0; decimals <= 5; decimals++) TABLE.set(`${family}${decimals}`, pre(n(6)));
  }
}
for (let decimals = 0; decimals <= 9; decimals++) {
  TABLE.set(`390${decimals}`, nv(15));
  TABLE.set(`391${decimals}`, nv(18));
  TABLE.set(`392${decimals}`, nv(15));
  TABLE.set(`393${decimals}`, nv(18));
}
// 410–417: GLNs of parties and locations, 13 digits.
for (let ai = 410; ai <= 417; ai++) TABLE.set(String(ai), pre(n(13, { checkDigit: true })));
// 91–99: company internal information.
for (let ai = 91; ai <= 99; ai++) TABLE.set(String(ai), an(90));

/** AI at `pos` of `s` (2, 3 or 4 digits; AIs are prefix-free), or undefined. */
export function aiAt(s: string, pos: number): { ai: string; spec: AiSpec } | undefined {
  for (const length of [2, 3, 4]) {
    const ai = s.slice(pos, pos + length);
    const spec = TABLE.get(ai);
    if (spec !== undefined) return { ai, spec };
  }
  return undefined;
}

/** Spec of a known AI. */
export function aiSpec(ai: string): AiSpec | undefined {
  return TABLE.get(ai);
}

/** Primary keys a GS1 Digital Link path starts with (GS1 Digital Link standard §4). */
export const DIGITAL_LINK_PRIMARY_KEYS: ReadonlySet<string> = new Set([
  '01',
  '00',
  '253',
  '255',
  '401',
  '402',
  '414',
  '417',
  '8003',
  '8004',
  '8006',
  '8010',
  '8013',
  '8017',
  '8018',
]);
