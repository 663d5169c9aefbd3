// Frame → classification → scan event (DESIGN §3 `scan`, §6, §11 data flow). One pipeline serves
// every device and the `gateway/test_scan` op. The payment guard inside `classify` runs before
// anything here looks at content; a rejected card leaves no text, bytes or digits in the event,
// the log or memory beyond this call. The till's copy goes out first; listeners (the page,
// identify-on-scan) and the log line follow once it has.
import { randomUUID } from 'node:crypto';
import type { Classification, Frame } from '../classify/index.ts';
import { type Logger, maskToken } from '../log.ts';
import type { Encoded } from '../mqtt/publish.ts';
import type { ScanEvent } from '../mqtt/topics.ts';
import { encodeScanEvent } from './event-json.ts';

export interface ScanSource {
  deviceId: string;
  profile: string;
  transport: string;
}

/** The classifier for a source (its profile decides how input is read); never throws by contract. */
export type Classifier = (frame: Frame, source: ScanSource) => Classification;

/** A classified scan as the gateway's parts see it (the loyalty token in clear stays in memory). */
export interface Scan {
  event: ScanEvent;
  /** The loyalty token for identify; never published or logged in clear. */
  loyaltyToken?: string;
  /** `performance.now()` when the frame entered the pipeline (scan latency metric). */
  startedAt: number;
}

/** Told of every scan once the till's copy has gone out (the page, identify-on-scan). */
export type ScanListener = (scan: Scan) => void;

export interface ScanPipeline {
  ingest(source: ScanSource, frame: Frame): Scan | null;
  onScan(listener: ScanListener): () => void;
  /** Last scan time per device, for the status page and devices list. */
  lastScanAt(deviceId: string): string | undefined;
}

export interface ScanPipelineOptions {
  classify: Classifier;
  logger: Logger;
  /** Same-device duplicate filter; true = drop. */
  isDuplicate?: (deviceId: string, text: string) => boolean;
  /** Called last for every scan let through, once it has gone out: the filter's deferred work. */
  afterScan?: () => void;
  /**
   * Sends the event (given as its JSON too, encoded once) to the till; settles once it has gone
   * out. Called first and alone: listeners and the log line wait for it, so nothing else a scan
   * causes sits in its latency (DESIGN §10).
   */
  publish?: (event: ScanEvent, payload: Encoded<ScanEvent>) => Promise<unknown>;
}

export function createScanPipeline(opts: ScanPipelineOptions): ScanPipeline {
  const listeners = new Set<ScanListener>();
  const lastScan = new Map<string, string>();
  const log = opts.logger;
  let seq = 0;
  // The next scan's id, drawn once the scan before it has gone out (after its publish, with the
  // log line): randomUUID costs ~1-3 µs per call (a serialisation of 16 random bytes) on the path
  // between a frame and its publish (DESIGN §10). A scan that finds none (two before an after-work
  // ran, or the first) draws its own. Ids are random v4 UUIDs either way, each used once.
  let nextId: string | undefined;
  const takeId = () => {
    const id = nextId ?? randomUUID();
    nextId = undefined;
    return id;
  };

  return {
    ingest(source, frame) {
      const startedAt = performance.now();
      let c: Classification;
      try {
        c = opts.classify(frame, source);
      } catch (err) {
        // Garbage from a device never crashes the process (DESIGN, bars): report without content.
        log.error('scan classification failed', { device_id: source.deviceId, error: err });
        return null;
      }
      if (
        c.kind !== 'payment_card_rejected' &&
        c.text !== undefined &&
        opts.isDuplicate?.(source.deviceId, c.text)
      ) {
        log.debug('duplicate scan dropped', { device_id: source.deviceId });
        return null;
      }
      const ts = new Date().toISOString();
      const rejected = c.kind === 'payment_card_rejected';
      // Card data must not linger in memory longer than this call
      // (docs/scanners-and-readers.md §4.2).
      if (rejected) frame.bytes.fill(0);
      const event: ScanEvent = {
        id: takeId(),
        seq: ++seq,
        ts,
        device_id: source.deviceId,
        profile: source.profile,
        transport: source.transport,
        symbology: rejected ? null : (c.symbology ?? null),
        aim: rejected ? null : (c.aim ?? frame.aim ?? null),
        kind: c.kind,
        text: rejected ? null : (c.text ?? null),
        warnings: rejected ? [] : c.warnings,
      };
      // The details travel as the classifier found them (a rejected card has none).
      if (c.loyalty && !rejected) {
        event.loyalty = {
          pattern: c.loyalty.pattern,
          token_masked: maskToken(c.loyalty.token),
          kind: c.loyalty.kind,
        };
      }
      if (c.uid) event.uid = c.uid;
      if (c.gs1) event.gs1 = c.gs1;
      if (c.product) event.product = c.product;
      lastScan.set(source.deviceId, ts);
      const scan: Scan = { event, loyaltyToken: rejected ? undefined : c.loyalty?.token, startedAt };
      const afterPublish = () => {
        for (const l of listeners) {
          try {
            l(scan);
          } catch (err) {
            log.error('scan listener failed', { error: err });
          }
        }
        log.info('scan', {
          device_id: source.deviceId,
          scan_id: event.id,
          seq: event.seq,
          kind: event.kind,
          symbology: event.symbology,
          // Content is never logged; a loyalty token only masked.
          token: c.loyalty && !rejected ? c.loyalty.token : undefined,
          warnings: event.warnings.length ? event.warnings : undefined,
        });
        opts.afterScan?.();
        nextId ??= randomUUID();
      };
      // The broker writes to the till's socket in later ticks (aedes delivers QoS 1 from a
      // setImmediate): whatever ran here and now, before it, would sit in the scan's latency.
      if (!opts.publish) afterPublish();
      else
        opts
          .publish(event, encodeScanEvent(event, source))
          .catch((err) => log.error('scan publish failed', { error: err }))
          .then(afterPublish);
      return scan;
    },
    onScan(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    lastScanAt: (deviceId) => lastScan.get(deviceId),
  };
}
