// glibc's free memory back to the system after start-up and now and again (src/util/malloc-trim.ts).
import { startMallocTrimmer } from '../util/malloc-trim.ts';
import type { Part } from './part.ts';

export const memoryPart: Part = {
  name: 'memory',
  async start(ctx) {
    const trimmer = await startMallocTrimmer({
      firstMs: 20_000,
      everyMs: 10 * 60_000,
      logger: ctx.logger.child({ part: 'memory' }),
    });
    return { stop: () => trimmer.stop() };
  },
};
