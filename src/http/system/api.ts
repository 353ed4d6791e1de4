// Operator endpoints (health, readiness, metrics) and the API's own description (its page, /api/docs, is
// system/pages.ts). Health and readiness are for anyone (load balancers); metrics only for what the operator allows.
import type { FastifyInstance } from 'fastify';
import { translator } from '../../core/i18n/translator.js';
import { PassdeskError } from '../../core/errors.js';
import { english } from '../../core/messages.js';
import type { HttpContext } from '../shared/context.js';
import { mainPortMetrics } from '../plugins/metrics.js';

export async function systemApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async () => {
    try {
      await ctx.deps.store.ping();
    } catch {
      throw new PassdeskError('SERVICE_UNAVAILABLE', english.t('error.SERVICE_UNAVAILABLE.database'));
    }
    // Redis away: the node still serves pages and sessions, but every guessing endpoint answers 503 — not ready.
    if (ctx.deps.attemptLimiters && !(await ctx.deps.attemptLimiters.ping())) {
      throw new PassdeskError('SERVICE_UNAVAILABLE', translator('en').t('error.limits.unavailable'));
    }
    // The directory holds the passwords: without it nobody can sign in, change or reset.
    if (ctx.deps.directory) {
      try {
        await ctx.deps.directory.directory.check();
      } catch {
        throw new PassdeskError('DIRECTORY_UNAVAILABLE');
      }
    }
    return { status: 'ready' };
  });

  // /metrics: only for the operator (plugins/metrics.ts).
  await mainPortMetrics(app, ctx);

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async (_req, reply) => reply.header('Cache-Control', 'no-cache').send(app.swagger()));
}
