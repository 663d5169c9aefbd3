// SHA-256 of a string, base64: one-shot `crypto.hash` where the runtime has it (Node >= 20.12),
// which builds no Hash object (a scan's duplicate check and a request's replay check run it once
// each), else a Hash object.
import crypto from 'node:crypto';

export const sha256: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'base64')
    : (data) => crypto.createHash('sha256').update(data, 'utf8').digest('base64');
