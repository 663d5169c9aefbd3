// The scan event's JSON, written field by field (DESIGN §3 `scan`, §10 scan latency). This runs
// on every scan before the till's copy goes out; JSON.stringify walks the whole object and looks
// every key up, and was measured here at ~10 µs per scan in the gateway process, where this
// template takes a few. The bytes are exactly those of JSON.stringify(event) (same key order,
// same escaping: every string and detail object still goes through JSON.stringify), so the till
// sees no difference; test/scans/event-json.test.ts holds the two side by side. The buffer is made
// once and aedes writes that same buffer to every subscriber.
import type { Encoded } from '../mqtt/publish.ts';
import type { ScanEvent } from '../mqtt/topics.ts';

const str = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));

/** The event's JSON text. */
export function scanEventJson(event: ScanEvent): string {
  let json = `{"id":${str(event.id)},"seq":${JSON.stringify(event.seq)},"ts":${str(event.ts)},"device_id":${str(event.device_id)},"profile":${str(event.profile)},"transport":${str(event.transport)},"symbology":${str(event.symbology)},"aim":${str(event.aim)},"kind":${str(event.kind)},"text":${str(event.text)},"warnings":${event.warnings.length === 0 ? '[]' : JSON.stringify(event.warnings)}`;
  // The optional details in the order the pipeline adds them; undefined ones are left out, as
  // JSON.stringify leaves them out.
  if (event.loyalty !== undefined) json += `,"loyalty":${JSON.stringify(event.loyalty)}`;
  if (event.uid !== undefined) json += `,"uid":${JSON.stringify(event.uid)}`;
  if (event.gs1 !== undefined) json += `,"gs1":${JSON.stringify(event.gs1)}`;
  if (event.product !== undefined) json += `,"product":${JSON.stringify(event.product)}`;
  return `${json}}`;
}

/** The payload the broker publishes: the JSON above as one buffer. */
export function encodeScanEvent(event: ScanEvent): Encoded<ScanEvent> {
  return Buffer.from(scanEventJson(event)) as Encoded<ScanEvent>;
}
