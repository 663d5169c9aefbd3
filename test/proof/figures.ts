// The figures of the proof suite (issue 12): every property, corpus and matrix test records what it ran
// here, and `npm run proof` (scripts/proof.ts) prints them as one table. Inside a plain `npm test`
// nothing is written and the short run counts apply.
import { appendFileSync } from 'node:fs';

export type Figure =
  | {
      kind: 'property';
      /** Part under test, e.g. `keyboard decoder`. */
      subject: string;
      property: string;
      runs: number;
      failures: number;
      seed: number;
      /** Slowest single run, in milliseconds (informative: a hang shows up as a test timeout). */
      slowestMs: number;
    }
  | {
      kind: 'corpus';
      group: string;
      cases: number;
      /** How many cases ended in each outcome, e.g. `{invalid_request: 31, ok: 12}`. */
      outcomes: Record<string, number>;
      failures: number;
    }
  | {
      /** A security or privacy check: subjects × cases, each cell with its expected outcome. */
      kind: 'matrix';
      /** The section of docs/proof.md it belongs to. */
      section: 'security' | 'privacy';
      group: string;
      /** What one cell is, e.g. `till × transport × topic × action`. */
      cell: string;
      cells: number;
      /** How many cells ended in each outcome, e.g. `{refused: 180, allowed: 60}`. */
      outcomes: Record<string, number>;
      /** Cells whose outcome was not the expected one. */
      failures: number;
    }
  | {
      /** One line of a table of measured figures (fault soak, durability), with its bar. */
      kind: 'row';
      section: 'faults' | 'durability';
      what: string;
      figure: string;
      bar: string;
      failures: number;
    };

const file = process.env.PROOF_FIGURES;

/** The long version under `npm run proof` multiplies every property's short run count. */
export const runScale = Math.max(1, Number(process.env.PROOF_SCALE ?? '1') || 1);

/** A fixed seed from `PROOF_SEED` replays a reported failure; otherwise each run draws a new one. */
export const fixedSeed = process.env.PROOF_SEED === undefined ? undefined : Number(process.env.PROOF_SEED);

export function record(figure: Figure): void {
  // One short line per append: O_APPEND keeps lines of parallel test processes whole.
  if (file) appendFileSync(file, JSON.stringify(figure) + '\n');
}
