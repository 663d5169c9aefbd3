// Counting the cells of a security or privacy matrix: every cell has an expected outcome and the
// one observed; a mismatch is a failure named after its cell. The totals go to the proof table.
import { record } from '../figures.ts';

export class Tally {
  readonly outcomes: Record<string, number> = {};
  readonly failures: string[] = [];
  cells = 0;

  constructor(
    readonly section: 'security' | 'privacy',
    readonly group: string,
    /** What one cell is, e.g. `till × transport × topic × action`. */
    readonly cell: string,
  ) {}

  /** One cell: counted under the outcome observed; a failure when it differs from the expected one. */
  check(name: string, expected: string, observed: string, detail = ''): void {
    this.cells++;
    this.outcomes[observed] = (this.outcomes[observed] ?? 0) + 1;
    if (observed !== expected)
      this.failures.push(`${name}: expected ${expected}, got ${observed}${detail ? ` (${detail})` : ''}`);
  }

  /**
   * A consequence of the cells (no effect, answered once, the catalogue intact): counted under
   * `what` when as expected, else under `not <what>` and as a failure.
   */
  confirm(name: string, what: string, expected: string, observed: string, detail = ''): void {
    this.cells++;
    const label = observed === expected ? what : `not ${what}`;
    this.outcomes[label] = (this.outcomes[label] ?? 0) + 1;
    if (observed !== expected)
      this.failures.push(`${name}: expected ${expected}, got ${observed}${detail ? ` (${detail})` : ''}`);
  }

  record(): void {
    record({
      kind: 'matrix',
      section: this.section,
      group: this.group,
      cell: this.cell,
      cells: this.cells,
      outcomes: this.outcomes,
      failures: this.failures.length,
    });
  }
}
