// Builds HID POS input reports laid out as docs/scanners-and-readers.md §2.2 documents them (report
// ID byte first).

export function honeywellReport(opts: {
  data: Uint8Array | string;
  aim?: string;
  count?: number;
  continued?: boolean;
  codeId?: string;
}): Uint8Array {
  const data = typeof opts.data === 'string' ? Buffer.from(opts.data, 'latin1') : opts.data;
  const r = new Uint8Array(64);
  r[0] = 0x02;
  r[1] = opts.count ?? data.length;
  Buffer.from(opts.aim ?? ']Q1', 'latin1').copy(r, 2);
  r.set(data.subarray(0, 56), 5);
  r[61] = (opts.codeId ?? 's').charCodeAt(0);
  r[63] = opts.continued ? 0x01 : 0x00;
  return r;
}

export function newlandReport(data: Uint8Array | string, continued = false): Uint8Array {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const r = new Uint8Array(64);
  r[0] = 0x02;
  r[1] = bytes.length;
  r.set(bytes.subarray(0, 56), 2);
  r[63] = continued ? 0x01 : 0x00;
  return r;
}

/** Splits `text` into Honeywell reports of 56 bytes with the continued bit on all but the last. */
export function honeywellScan(text: string, aim = ']Q1'): Uint8Array[] {
  const all = Buffer.from(text, 'utf8');
  const reports: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += 56) {
    const chunk = all.subarray(at, at + 56);
    reports.push(honeywellReport({ data: chunk, aim, continued: at + 56 < all.length }));
  }
  return reports;
}
