// Builds the Fastify server: plugins in order, then the routes (routes.ts). No SQL here, no rules: flows do the work.
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import type { FlowDeps } from '../flows/deps.js';
import type { Metrics } from '../metrics.js';
import { registerLanguage } from './shared/language.js';
import { AUTHENTICATION_SLOT, cookieSettings, createAuthenticator, type HttpContext } from './shared/context.js';
import { registerSecurity } from './plugins/security.js';
import { registerErrorHandling, sendError } from './plugins/errors.js';
import { PassdeskError } from '../core/errors.js';
import { trustProxyFunction } from './plugins/trust-proxy.js';
import { registerInputHygiene } from './plugins/input-hygiene.js';
import { registerRoutes, type RouteOptions } from './routes.js';

/**
 * fastify-type-provider-zod writes every schema that has a Zod `id` twice, as read (`AccountInput`) and as
 * written (`Account`), whether a route uses it or not; the document keeps only the schemas an operation reaches
 * (Redocly's no-unused-components), so a generated client holds no types that nothing uses.
 */
function withoutUnusedSchemas(doc: ReturnType<typeof jsonSchemaTransformObject>): ReturnType<typeof jsonSchemaTransformObject> {
  const components: { schemas?: Record<string, unknown> } = ('components' in doc ? doc.components : undefined) ?? {};
  const schemas = components.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return void value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      const name = key === '$ref' && typeof item === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(item)?.[1] : undefined;
      if (name !== undefined && !used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
      visit(item);
    }
  };
  visit({ ...doc, components: { ...components, schemas: {} } });
  return { ...doc, components: { ...components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))) } } as typeof doc;
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LOG_METHODS: readonly LogMethod[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * Fastify gives every request a child logger bound to its request id; pino's child() costs several µs per
 * request even when nothing is logged (the production level is info, and most requests log only below it or
 * not at all on the hot paths). This one makes the child on the first line the level lets through, with the same
 * bindings and options, so what is logged is unchanged.
 */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Record<string, unknown>, options: object): FastifyBaseLogger {
  // A per-route log level (Fastify's logLevel option) changes the child's own level: made at once then.
  if ('level' in options) return logger.child(bindings, options as Parameters<FastifyBaseLogger['child']>[1]);
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => (child ??= logger.child(bindings, options as Parameters<FastifyBaseLogger['child']>[1]));
  const enabled = (level: LogMethod): boolean => (logger as FastifyBaseLogger & { isLevelEnabled(l: string): boolean }).isLevelEnabled(level);
  const lazy = {
    get level(): string {
      return child ? child.level : logger.level;
    },
    set level(level: string) {
      real().level = level;
    },
    child: (b: Record<string, unknown>, o?: Parameters<FastifyBaseLogger['child']>[1]) => real().child(b, o),
    silent: (...args: unknown[]) => (real().silent as (...a: unknown[]) => void)(...args),
  } as unknown as Record<LogMethod, (...args: unknown[]) => void> & FastifyBaseLogger;
  for (const method of LOG_METHODS) {
    lazy[method] = (...args: unknown[]): void => {
      if (child) (child[method] as (...a: unknown[]) => void)(...args);
      else if (enabled(method)) (real()[method] as (...a: unknown[]) => void)(...args);
    };
  }
  return lazy;
}

export interface ServerOptions {
  config: Config;
  deps: FlowDeps;
  metrics: Metrics;
  logger: FastifyBaseLogger;
  routes?: RouteOptions;
}

/** JSON bodies here are small; anything larger is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export async function buildServer(o: ServerOptions): Promise<{ server: FastifyInstance; ctx: HttpContext }> {
  const cookies = cookieSettings(o.config);
  const ctx: HttpContext = { deps: o.deps, config: o.config, cookies, metrics: o.metrics, ...createAuthenticator(o.deps, cookies) };

  const server = Fastify({
    loggerInstance: o.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyFunction(o.config.trustProxy),
    // Our own onResponse line replaces Fastify's, so no URL with a query string is ever logged.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, options) => lazyChildLogger(logger, bindings, options),
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // A path the router cannot take apart (bad percent-encoding, a parameter over maxParamLength) is refused in our
    // error shape, with a code, like every other bad input (Fastify's own body had no `error.code`).
    frameworkErrors: (_err, request, reply) => sendError(ctx, request, reply, new PassdeskError('VALIDATION_FAILED')),
  });
  server.decorateRequest(AUTHENTICATION_SLOT, null);
  registerLanguage(server, ctx);
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);

  await server.register(cookie);
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Passdesk API',
        version: '1',
        description: 'Account security: sign-in, sessions on every device, changing a password.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: o.config.baseUrl }],
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: cookies.session, description: 'Set by POST /api/v1/sessions.' },
        },
      },
    },
    // Only the JSON API belongs in the document; pages, assets and operator endpoints stay out.
    transform: (arg) => (arg.url.startsWith('/api/v1/') ? jsonSchemaTransform(arg) : { schema: { ...arg.schema, hide: true }, url: arg.url }),
    transformObject: (arg) => withoutUnusedSchemas(jsonSchemaTransformObject(arg)),
  });

  registerErrorHandling(server, ctx);
  registerSecurity(server, ctx);
  registerInputHygiene(server);

  // One log line per request, without query strings (later flows put tokens in links). Written by the server's
  // logger with the request id first, which is the line request.log would write, without making the request's
  // child logger (see lazyChildLogger) for requests that log nothing else.
  server.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    o.metrics.observeRequest(request.method, route, reply.statusCode, seconds);
    server.log.info({ reqId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  await registerRoutes(server, ctx, o.routes);
  return { server, ctx };
}
