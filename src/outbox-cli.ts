// `edge-gateway outbox …` (DESIGN §5: dead letters a technician can retry or discard; CLI now, web
// later). Works on the outbox file directly, beside a running gateway: WAL lets both open it, and
// `recoverInflight: false` leaves the running gateway's deliveries alone; the gateway notices a
// retried job within its idle poll.
import { loadConfig } from './config/load.ts';
import { EXIT_CODES } from './errors.ts';
import type { Logger } from './log.ts';
import { outboxFile } from './loyalty/outbox-file.ts';
import { openOutboxStore } from './outbox/store.ts';
import type { OutboxJob } from './outbox/types.ts';

export async function outboxCommand(
  args: string[],
  opts: { configPath?: string; dataDir?: string; logger: Logger },
): Promise<number> {
  const [action = 'status', idArg] = args;
  const loaded = await loadConfig({
    configPath: opts.configPath,
    dataDir: opts.dataDir,
    logger: opts.logger,
  });
  const store = openOutboxStore({
    path: outboxFile(loaded.settings),
    maxDepth: loaded.settings.outbox.max_depth,
    recoverInflight: false,
    logger: opts.logger.child({ part: 'outbox' }),
  });
  const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  try {
    switch (action) {
      case 'status': {
        const s = store.stats();
        print({
          depth: s.depth,
          pending: s.pending,
          inflight: s.inflight,
          dead: s.dead,
          oldest_age_s: s.oldestAgeS,
          max_depth: s.maxDepth,
        });
        return EXIT_CODES.ok;
      }
      case 'dead':
        print(store.listDead().map(describeJob));
        return EXIT_CODES.ok;
      case 'retry':
      case 'discard': {
        const id = Number(idArg);
        if (!Number.isInteger(id) || id < 1) {
          process.stderr.write(`outbox ${action} needs a dead letter id (see: edge-gateway outbox dead)\n`);
          return EXIT_CODES.usage;
        }
        const r = action === 'retry' ? store.retryDead(id) : store.discardDead(id);
        if (!r.ok) {
          process.stderr.write(`outbox ${action} ${id}: ${r.message}\n`);
          return r.code === 'store_error' ? EXIT_CODES.failure : EXIT_CODES.usage;
        }
        opts.logger.info(`dead letter ${action === 'retry' ? 'retried' : 'discarded'}`, {
          id,
          transaction: r.job.key,
        });
        print({ ...describeJob(r.job), revived_dependents: r.revived });
        return EXIT_CODES.ok;
      }
      default:
        process.stderr.write(`unknown outbox action: ${action} (status, dead, retry ID, discard ID)\n`);
        return EXIT_CODES.usage;
    }
  } finally {
    store.close();
  }
}

/** What a technician sees of a job: never the request body (it may carry a loyalty token). */
export function describeJob(job: OutboxJob) {
  return {
    id: job.id,
    transaction: job.key,
    kind: job.kind,
    state: job.state,
    attempts: job.attempts,
    created_at: new Date(job.createdAt).toISOString(),
    error: job.lastError ?? null,
  };
}
