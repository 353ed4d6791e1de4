// NUL is refused in every request, on every route, before any schema or handler sees it: a hook over the
// parsed path parameters, query string and body (JSON or form), keys as well as values, however deep.
// PostgreSQL's text cannot hold U+0000 (the driver's error became a 500) and SQLite would store it, so the
// same 400 INVALID_CHARACTERS on both stores. Doing it here, once, covers routes whose schemas forget it
// and routes added later. (Headers cannot carry a NUL: Node's HTTP parser refuses them with 400.)
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { PassdeskError } from '../../core/errors.js';
import { containsNul } from '../../core/text-input.js';

/** Nesting deeper than any of our bodies is not walked further (JSON bodies are at most 16 KiB anyway). */
const MAX_DEPTH = 32;

/** The path of the first string (key or value) holding a NUL, or null. */
export function findNul(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return containsNul(value) ? path || '(value)' : null;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const here = path ? `${path}.${key}` : key;
    if (containsNul(key)) return here.replaceAll('\u0000', '\\0');
    const hit = findNul(item, here, depth + 1);
    if (hit) return hit;
  }
  return null;
}

function refuseNul(request: FastifyRequest): void {
  for (const [where, value] of [
    ['path', request.params],
    ['query', request.query],
    ['body', request.body],
  ] as const) {
    const field = findNul(value);
    if (field)
      throw new PassdeskError(
        'INVALID_CHARACTERS',
        `${where === 'body' ? '' : `${where} `}${field}: contains a NUL character (U+0000), which is never accepted.`,
      );
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  /** The route's schema as declared (Zod objects for body, querystring, params), if any. */
  schema: Record<string, unknown> | undefined;
  /** The route's config as declared (pages: `auth`, `stepUp`; shared/pages.ts). */
  config: FastifyContextConfig | undefined;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered after registerInputHygiene (all of them), e.g. for a test that walks each one. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}

/** Registers the hook on `app` (the root, before any route, so every route has it). */
export function registerInputHygiene(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => refuseNul(request));
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      table.push({ method, url: route.url, schema: route.schema as Record<string, unknown> | undefined, config: route.config });
  });
}
