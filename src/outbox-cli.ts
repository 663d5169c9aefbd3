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
import { textTable } from './util/text-table.ts';

/**
 * Text for a technician by default, as `status` and `devices` print it; `json: true` prints the
 * same facts as one JSON document for scripts (the CLI's contract: `--json` is the stable shape).
 */
export async function outboxCommand(
  args: string[],
  opts: { configPath?: string; dataDir?: string; logger: Logger; json?: boolean },
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
  // The JSON document for scripts, or the text a person reads.
  const print = (v: unknown, text: () => string) =>
    process.stdout.write(opts.json ? `${JSON.stringify(v, null, 2)}\n` : text());
  try {
    switch (action) {
      case 'status': {
        const s = store.stats();
        const doc = {
          depth: s.depth,
          pending: s.pending,
          inflight: s.inflight,
          dead: s.dead,
          oldest_age_s: s.oldestAgeS,
          max_depth: s.maxDepth,
        };
        print(doc, () => statusText(doc));
        return EXIT_CODES.ok;
      }
      case 'dead': {
        const dead = store.listDead().map(describeJob);
        print(dead, () => deadText(dead));
        return EXIT_CODES.ok;
      }
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
        const doc = { ...describeJob(r.job), revived_dependents: r.revived };
        print(doc, () =>
          action === 'retry'
            ? `retried dead letter ${id} (transaction ${doc.transaction}, ${doc.kind}): the running gateway sends it again within outbox.idle_poll_ms${r.revived ? `; ${r.revived} request(s) waiting on it are pending again` : ''}\n`
            : `discarded dead letter ${id} (transaction ${doc.transaction}, ${doc.kind}): it will not be sent\n`,
        );
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

type OutboxStatusDoc = {
  depth: number;
  pending: number;
  inflight: number;
  dead: number;
  oldest_age_s: number;
  max_depth: number;
};

function statusText(s: OutboxStatusDoc): string {
  return (
    [
      `waiting:      ${s.depth} (${s.pending} pending, ${s.inflight} being sent)${s.depth ? `, oldest ${s.oldest_age_s} s` : ''}`,
      `dead letters: ${s.dead}${s.dead ? ' (list them: edge-gateway outbox dead)' : ''}`,
      `limit:        ${s.max_depth} waiting (outbox.max_depth)`,
    ].join('\n') + '\n'
  );
}

function deadText(dead: ReturnType<typeof describeJob>[]): string {
  if (dead.length === 0) return 'no dead letters\n';
  const rows = dead.map((d) => [
    String(d.id),
    d.transaction,
    d.kind,
    String(d.attempts),
    d.created_at,
    d.error ? `${d.error.code}: ${d.error.message}` : '',
  ]);
  return (
    textTable(['ID', 'TRANSACTION', 'KIND', 'ATTEMPTS', 'CREATED', 'ERROR'], rows) +
    'edge-gateway outbox retry ID sends one again; edge-gateway outbox discard ID drops it\n'
  );
}
