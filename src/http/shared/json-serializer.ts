// A response serializer compiled once from a flat Zod object schema, for the session check (GET /api/v1/session),
// the one route every signed-in page and client calls again and again.
//
// fastify-type-provider-zod answers `JSON.stringify(schema.parse(data))`: the parse builds new objects, and V8's
// JSON.stringify walks them on its slow path (a toJSON lookup on each), about 4 µs a session check. This writes the
// declared keys in order, each value checked against its declared kind, and nothing else: like the Zod parse, a
// field that is not in the schema never reaches the client, and a value of the wrong kind is a 500, not a response.
import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { ZodType, type z } from 'zod';

type Writer = (value: unknown) => string;

/** What JSON.stringify would escape in a string (quote, backslash, controls), and any surrogate (a lone one is escaped). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s), without its per-call cost for the usual string that needs no escaping. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** A programmer's error (the handler returned the wrong kind), which the error handler answers as a 500. */
function mismatch(path: string, kind: 'string' | 'boolean' | 'enum' | 'object'): never {
  throw new TypeError(`response field ${path}: not the schema's ${kind}`);
}

function writerFor(schema: z.core.$ZodType, path: string): Writer | null {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    checks?: unknown[];
    innerType?: z.core.$ZodType;
    entries?: Record<string, string>;
    shape?: Record<string, z.core.$ZodType>;
  };
  // Checks (lengths, formats) are left to the Zod path: only plain kinds are compiled.
  if ((def.checks?.length ?? 0) > 0) return null;
  switch (def.type) {
    case 'string':
      return (v) => (typeof v === 'string' ? jsonString(v) : mismatch(path, 'string'));
    case 'boolean':
      return (v) => (v === true ? 'true' : v === false ? 'false' : mismatch(path, 'boolean'));
    case 'enum': {
      const allowed = new Set(Object.values(def.entries ?? {}));
      if (![...allowed].every((e) => typeof e === 'string')) return null;
      return (v) => (allowed.has(v as string) ? jsonString(v as string) : mismatch(path, 'enum'));
    }
    case 'nullable': {
      const inner = def.innerType ? writerFor(def.innerType, path) : null;
      return inner && ((v) => (v === null ? 'null' : inner(v)));
    }
    case 'object': {
      const fields: Array<{ key: string; prefix: string; write: Writer }> = [];
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        const write = writerFor(field, path ? `${path}.${key}` : key);
        if (!write) return null;
        fields.push({ key, prefix: `${fields.length === 0 ? '{' : ','}${JSON.stringify(key)}:`, write });
      }
      return (v) => {
        if (v === null || typeof v !== 'object') return mismatch(path || '(body)', 'object');
        const o = v as Record<string, unknown>;
        let out = '';
        for (const f of fields) out += f.prefix + f.write(o[f.key]);
        return fields.length === 0 ? '{}' : `${out}}`;
      };
    }
    default:
      return null;
  }
}

/** The compiled writer of a Zod schema, or null when it holds anything but plain strings, booleans, enums, null and objects. */
export function compileJsonSerializer(schema: z.core.$ZodType): Writer | null {
  return writerFor(schema, '');
}

/**
 * A Fastify serializer compiler: compiled writers where the response schema allows (the session check's 200), the
 * Zod serializer for the rest (its error bodies, whose `details` is an open record).
 */
export const compiledSerializerCompiler: FastifySerializerCompiler<unknown> = (routeSchema) =>
  (routeSchema.schema instanceof ZodType ? compileJsonSerializer(routeSchema.schema) : null) ??
  zodSerializerCompiler(routeSchema as Parameters<typeof zodSerializerCompiler>[0]);
