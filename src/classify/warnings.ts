// Every warning code a scan may carry (DESIGN §3 `scan.warnings`), with its meaning, in one place:
// the topic registry's scan schema enumerates these codes (so the till's types and the profile
// fixtures' checks come from here), and the README's table is generated from it
// (scripts/readme-tables.ts). Decoder warnings come first in a scan, then the classifier's.
// Never rename a code: tills may branch on them.

/** Found while reading bytes or key reports into a frame (src/devices/). */
export const decoderWarnings = {
  timeout_framed:
    'the scan was ended by the idle timeout, not by the suffix the profile expects (suffix differs or was lost)',
  aim_missing: 'the profile expects an AIM symbology prefix (`]xy`) and the scan had none',
  nul_in_data: 'the data holds a NUL byte (kept as U+0000; a till may not display it)',
  non_utf8: 'the bytes are not valid UTF-8; the text was decoded as Windows-1252',
  layout_suspect: 'the text looks typed with a wrong keyboard layout (e.g. a URL without `://`, y/z swapped)',
  alt_modifier: 'a key came with Alt held outside an Alt+numpad sequence; its character was kept',
  unmapped_key: 'a key with no character in the layout table was skipped',
} as const;

/** Added by the classifier (src/classify/classify.ts). */
export const classifyWarnings = {
  foreign_host: 'a URL matched a loyalty pattern but its host is not on the allow-list: not loyalty',
  percent_decoding_invalid: 'a URL carries broken percent-encoding; it was matched undecoded',
  gs1_invalid: 'the AIM announced GS1 but the data is not a valid GS1 element string',
  gs1_separator_missing: 'GS1 without any FNC1/GS: a variable-length field may have swallowed the next ones',
  gs1_check_digit_invalid: 'a GS1 key (GTIN, SSCC, GLN) has a wrong check digit',
  ean_check_digit_invalid: 'the AIM announced EAN/UPC but the digits are not a valid code',
  uid_unparseable: 'a UID reader sent something that is not a UID in the configured format',
  uid_format_ambiguous: 'the UID could be read in more than one format; set uidFormat in the profile',
  random_uid: 'a random UID (4 bytes starting 0x08: payment card, phone) cannot identify anyone',
  msr_read_error: 'the magstripe reader reported read errors on every track',
  control_characters: 'the text contains control characters',
  classify_failed: 'classification failed unexpectedly; the scan is passed on as text',
} as const;

export const scanWarnings = { ...decoderWarnings, ...classifyWarnings } as const;

export type DecoderWarning = keyof typeof decoderWarnings;
export type ClassifyWarning = keyof typeof classifyWarnings;
export type ScanWarning = keyof typeof scanWarnings;

export const SCAN_WARNING_CODES = Object.keys(scanWarnings) as [ScanWarning, ...ScanWarning[]];
export const DECODER_WARNING_CODES = Object.keys(decoderWarnings) as [DecoderWarning, ...DecoderWarning[]];
