// Operator endpoints (health, readiness, metrics) and the API's own description.
import type { FastifyInstance } from 'fastify';
import { PassdeskError } from '../../core/errors.js';
import { apiDocsPage } from '../../web/views/pages.js';
import type { HttpContext } from '../context.js';

export async function systemRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async () => {
    try {
      await ctx.deps.store.ping();
    } catch {
      throw new PassdeskError('SERVICE_UNAVAILABLE', 'The database is not reachable.');
    }
    return { status: 'ready' };
  });

  if (ctx.config.metricsEnabled) {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
      reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()));
  }

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('Cache-Control', 'no-cache').send(app.swagger()));

  app.get('/api/docs', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(apiDocsPage(ctx, app.swagger() as Parameters<typeof apiDocsPage>[1]).value));
}
