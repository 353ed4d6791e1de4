// Who may read /metrics (issue 11 #4). Metrics describe the whole service, so they are for the operator only:
// on the main port with a bearer token (PASSDESK_METRICS_TOKEN), and/or on a separate address
// (PASSDESK_METRICS_LISTEN) that the operator keeps off the public network. With neither, they are served nowhere.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PassdeskError } from '../../core/errors.js';
import { english } from '../../core/messages.js';
import type { HttpContext } from '../shared/context.js';
import { registerErrorHandling } from './errors.js';

/** Compared as SHA-256 digests, so neither the token's content nor its length shows in the timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const digest = (v: string): Buffer => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

function serveMetrics(app: FastifyInstance, ctx: HttpContext): void {
  const token = ctx.config.metricsToken;
  app.get('/metrics', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
      reply.header('WWW-Authenticate', 'Bearer realm="passdesk-metrics"');
      throw new PassdeskError('AUTHENTICATION_REQUIRED', english.t('error.AUTHENTICATION_REQUIRED.metrics'));
    }
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}

/** /metrics on the main port: only when a token is set (anonymous requests then get 401), else 404. */
export async function mainPortMetrics(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  if (ctx.config.metricsEnabled && ctx.config.metricsToken !== undefined) serveMetrics(app, ctx);
}

/** The separate metrics listener (PASSDESK_METRICS_LISTEN): /metrics and nothing else. Null when not configured. */
export async function buildMetricsServer(ctx: HttpContext, logger: FastifyBaseLogger): Promise<FastifyInstance | null> {
  if (!ctx.config.metricsEnabled || ctx.config.metricsListen === undefined) return null;
  const server = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true });
  registerErrorHandling(server, ctx);
  server.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });
  serveMetrics(server, ctx);
  await server.ready();
  return server;
}

/** One line for the start-up log: where metrics can be read, never the token. */
export function describeMetrics(ctx: HttpContext): string {
  const { metricsEnabled, metricsToken, metricsListen } = ctx.config;
  if (!metricsEnabled) return 'metrics: off (PASSDESK_METRICS=false)';
  const where: string[] = [];
  if (metricsToken !== undefined) where.push(`${ctx.config.baseUrl}/metrics with the bearer token`);
  if (metricsListen !== undefined) {
    const host = metricsListen.host.includes(':') ? `[${metricsListen.host}]` : metricsListen.host;
    where.push(`http://${host}:${metricsListen.port}/metrics${metricsToken !== undefined ? ' with the bearer token' : ''}`);
  }
  return where.length > 0
    ? `metrics: served at ${where.join(' and ')}`
    : 'metrics: not served; set PASSDESK_METRICS_TOKEN (bearer token) or PASSDESK_METRICS_LISTEN (e.g. 127.0.0.1:9464) to scrape them';
}
