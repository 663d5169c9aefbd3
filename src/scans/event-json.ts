// The scan event's JSON, written field by field (DESIGN §3 `scan`, §10 scan latency). This runs
// on every scan before the till's copy goes out; JSON.stringify walks the whole object and looks
// every key up, and was measured here at ~10 µs per scan in the gateway process, where this
// template takes a few. The bytes are exactly those of JSON.stringify(event) (same key order,
// same escaping: every string and detail object still goes through JSON.stringify), so the till
// sees no difference; test/scans/event-json.test.ts holds the two side by side. The buffer is made
// once and aedes writes that same buffer to every subscriber.
//
// A source's three fields (device_id, profile, transport) are the same on every scan of that
// device, so their JSON is made once per source object and reused while the values still match
// (a source changed in place gets its text made again: the cache can never send stale fields).
import type { Encoded } from '../mqtt/publish.ts';
import type { ScanEvent } from '../mqtt/topics.ts';

const str = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));

interface SourceFields {
  deviceId: string;
  profile: string;
  transport: string;
}

interface SourceJson extends SourceFields {
  /** `,"device_id":…,"profile":…,"transport":…` */
  json: string;
}

const sourceJson = new WeakMap<object, SourceJson>();

function sourceFieldsJson(event: ScanEvent, source: object | undefined): string {
  const { device_id: deviceId, profile, transport } = event;
  const known = source === undefined ? undefined : sourceJson.get(source);
  if (
    known !== undefined &&
    known.deviceId === deviceId &&
    known.profile === profile &&
    known.transport === transport
  ) {
    return known.json;
  }
  const json = `,"device_id":${str(deviceId)},"profile":${str(profile)},"transport":${str(transport)}`;
  if (source !== undefined) sourceJson.set(source, { deviceId, profile, transport, json });
  return json;
}

/**
 * The event's JSON text. `source`: the object the event's device_id, profile and transport came
 * from (the pipeline's ScanSource); their JSON is then reused from the last event of that source.
 */
export function scanEventJson(event: ScanEvent, source?: object): string {
  let json = `{"id":${str(event.id)},"seq":${JSON.stringify(event.seq)},"ts":${str(event.ts)}${sourceFieldsJson(event, source)},"symbology":${str(event.symbology)},"aim":${str(event.aim)},"kind":${str(event.kind)},"text":${str(event.text)},"warnings":${event.warnings.length === 0 ? '[]' : JSON.stringify(event.warnings)}`;
  // The optional details in the order the pipeline adds them; undefined ones are left out, as
  // JSON.stringify leaves them out.
  if (event.loyalty !== undefined) json += `,"loyalty":${JSON.stringify(event.loyalty)}`;
  if (event.uid !== undefined) json += `,"uid":${JSON.stringify(event.uid)}`;
  if (event.gs1 !== undefined) json += `,"gs1":${JSON.stringify(event.gs1)}`;
  if (event.product !== undefined) json += `,"product":${JSON.stringify(event.product)}`;
  return `${json}}`;
}

/** The payload the broker publishes: the JSON above as one buffer. */
export function encodeScanEvent(event: ScanEvent, source?: object): Encoded<ScanEvent> {
  return Buffer.from(scanEventJson(event, source)) as Encoded<ScanEvent>;
}
