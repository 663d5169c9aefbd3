// The provisioning form's API (issue 9). The page draws the form from the settings' JSON Schema
// (the one `gateway/info` publishes) and the field list here; validation and writing are the
// config module's (src/config/provision.ts), shared with `edge-gateway provision`. Applying is an
// in-process restart, by whoever runs the gateway (the CLI's start loop), of the parts the change
// concerns (src/parts/apply.ts): a new provider restarts loyalty, not the tills' broker nor this
// page. The outbox is closed cleanly and reopened from the same SQLite file: nothing queued is lost.
import type { FastifyInstance } from 'fastify';
import { type ProvisionPatch, provision, provisionView } from '../config/provision.ts';
import { settingsJsonSchema } from '../config/schema.ts';
import { csrfGuard } from './auth.ts';
import type { WebContext } from './context.ts';
import { requireTechnician } from './server.ts';

export function provisionRoutes(app: FastifyInstance, ctx: WebContext): void {
  const target = () => ({
    configPath: ctx.config.configPath,
    dataDir: ctx.config.dataDir,
    env: process.env,
    logger: ctx.logger,
  });
  const csrf = csrfGuard(app);

  app.get('/api/provision', { preHandler: requireTechnician }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { ...(await provisionView(target())), schema: settingsJsonSchema() };
  });

  app.post<{ Body: { values?: ProvisionPatch } }>(
    '/api/provision',
    { preHandler: [requireTechnician, csrf] },
    async (req, reply) => {
      const values = req.body?.values;
      if (!values || typeof values !== 'object') {
        return reply.code(400).send({ error: 'bad_request', message: 'expected {values: {...}}' });
      }
      const result = await provision(target(), values);
      if (!result.ok) {
        return reply.code(422).send({
          error: 'invalid_settings',
          message: 'some settings are not valid; nothing was changed',
          problems: result.problems.map((p) => ({ path: p.path, message: p.message, seen: p.seen })),
        });
      }
      const restart = ctx.host.requestRestart;
      const applying = result.changed.length > 0 && restart !== undefined;
      // Which parts the change restarts (`all` when it concerns every part): told before it happens,
      // since a restart of the web part or of everything closes this server too.
      const restarting = applying ? ((await ctx.host.previewApply?.()) ?? 'all') : [];
      if (applying) {
        // After the answer is on the wire.
        reply.raw.once('finish', () => restart(`provisioned: ${result.changed.join(', ')}`));
      }
      return {
        ok: true,
        changed: result.changed,
        applied: applying ? 'restarting' : result.changed.length ? 'on_next_start' : 'unchanged',
        restarting,
      };
    },
  );
}
