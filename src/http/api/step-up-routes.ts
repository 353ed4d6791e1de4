// Step-up: POST /api/v1/session/reauthenticate, and the "Confirm it's you" page at /security/confirm that a
// stale session meets before a sensitive change (then it continues where it was).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { safeNextPath } from '../../core/next-path.js';
import { acceptedMethods, reauthenticate, stepUpMaxAgeMs, type ReauthenticationInput } from '../../flows/step-up.js';
import { confirmPage } from '../../web/views/step-up.js';
import { checkCsrfToken, ensureCsrfToken, requestContext, setSessionCookie, type HttpContext } from '../context.js';
import { errors, passwordInput, sessionView, toSessionView } from './schemas.js';
import { assertPasswordWithinLimit } from './routes.js';
import { asAssertion, passkeyAssertionInput } from './passkey-routes.js';

const cookieAuth = [{ sessionCookie: [] }];
const codeInput = z.string().trim().min(1).max(32);
const iso = (ms: number): string => new Date(ms).toISOString();

/** One variant per method; a new factor adds its own variant here and in flows/step-up.ts. */
export const reauthenticationBody = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('password'), password: passwordInput }),
  z.strictObject({ method: z.literal('totp'), code: codeInput }),
  z.strictObject({ method: z.literal('recovery_code'), code: codeInput }),
  // The answer to POST /api/v1/passkeys/step-up/options (a challenge bound to this session).
  z.strictObject({ method: z.literal('passkey'), response: passkeyAssertionInput }),
]);

/** Where a page sends a stale session: the confirm page, carrying the page to come back to. */
export function confirmLocation(next: string): string {
  return `/security/confirm?next=${encodeURIComponent(safeNextPath(next))}`;
}

/**
 * For page handlers: when a flow refused with REAUTHENTICATION_REQUIRED, answer with a redirect (303) to the
 * confirm page, which returns to `next` (the page holding the form) afterwards. Null for any other error.
 */
export function stepUpRedirect(err: unknown, reply: FastifyReply, next: string): FastifyReply | null {
  if (!isPassdeskError(err) || err.code !== 'REAUTHENTICATION_REQUIRED') return null;
  return reply.redirect(confirmLocation(next), 303);
}

export async function stepUpRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/session/reauthenticate', {
    schema: {
      operationId: 'reauthenticate',
      tags: ['sessions'],
      summary: 'Confirm it’s me (step-up)',
      description:
        'Sensitive changes answer 403 REAUTHENTICATION_REQUIRED (details.methods lists what this account accepts) when the session last authenticated too long ago or with a weaker method than the account’s strongest. ' +
        'Send one of those methods here: `password` for an account without a second factor, `totp`, `recovery_code` or `passkey` (with options from POST /api/v1/passkeys/step-up/options) for one with. The session records the new authentication and its token is rotated (a new cookie is set). ' +
        'Wrong passwords and codes count against the sign-in and second-factor failure limits (429 when reached); a code is accepted once.',
      security: cookieAuth,
      body: reauthenticationBody,
      response: {
        200: z.object({ session: sessionView, method: z.string(), authenticatedAt: z.string(), validUntil: z.string() }),
        ...errors(400, 401, 403, 413, 415, 429),
      },
    },
  }, async (request, reply) => {
    const auth = await ctx.requireAuth(request);
    if (request.body.method === 'password') assertPasswordWithinLimit(request.body.password);
    const body = request.body;
    const input: ReauthenticationInput = body.method === 'passkey' ? { method: 'passkey', response: asAssertion(body.response) } : body;
    const result = await reauthenticate(ctx.deps, auth, input, requestContext(request));
    setSessionCookie(reply, ctx.cookies, result.token);
    return {
      session: toSessionView({ ...result.session, current: true }),
      method: result.method,
      authenticatedAt: iso(result.session.authenticatedAt),
      validUntil: iso(result.validUntil),
    };
  });

  // The page. Form bodies only in this encapsulated context, as in pages/.
  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 16 * 1024 });
    const form = (request: FastifyRequest): Record<string, unknown> =>
      typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const nextQuery = z.object({ next: z.string().max(2048).optional() }).loose();

    const show = async (request: FastifyRequest, reply: FastifyReply, next: string, o: { error?: string; status?: number } = {}): Promise<FastifyReply> => {
      const auth = await ctx.authenticate(request);
      if (!auth) return reply.redirect('/sign-in', 303);
      return reply.status(o.status ?? 200).type('text/html; charset=utf-8').send(confirmPage(ctx, {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        email: auth.account.email,
        next,
        methods: await acceptedMethods(ctx.deps, auth.account.id),
        minutes: Math.round(stepUpMaxAgeMs(ctx.deps) / 60_000),
        error: o.error,
      }).value);
    };

    pages.get('/security/confirm', { schema: { hide: true } }, async (request, reply) => {
      const q = nextQuery.safeParse(request.query);
      return show(request, reply, safeNextPath(q.success ? q.data.next : undefined));
    });

    const confirmForm = z.object({
      next: z.string().max(2048).optional(),
      method: z.enum(['password', 'totp', 'recovery_code']),
      password: z.string().max(1024).optional(),
      code: z.string().trim().max(32).optional(),
    });

    pages.post('/security/confirm', { schema: { hide: true } }, async (request, reply) => {
      const body = form(request);
      if (!checkCsrfToken(ctx, request, body['_csrf'])) throw new PassdeskError('CSRF_FAILED');
      const auth = await ctx.authenticate(request);
      if (!auth) return reply.redirect('/sign-in', 303);
      const parsed = confirmForm.safeParse(body);
      const next = safeNextPath(parsed.success ? parsed.data.next : undefined);
      if (!parsed.success) return show(request, reply, next, { error: 'Enter your password or the code.', status: 400 });
      const { method, password, code } = parsed.data;
      const input: ReauthenticationInput | null = method === 'password'
        ? (password ? { method, password } : null)
        : (code ? { method, code } : null);
      if (!input) return show(request, reply, next, { error: method === 'password' ? 'Enter your password.' : 'Enter the code.', status: 400 });
      try {
        if (input.method === 'password') assertPasswordWithinLimit(input.password);
        const result = await reauthenticate(ctx.deps, auth, input, requestContext(request));
        setSessionCookie(reply, ctx.cookies, result.token);
        return reply.redirect(next, 303);
      } catch (err) {
        if (!isPassdeskError(err)) throw err;
        return show(request, reply, next, { error: err.message, status: err.status });
      }
    });
  });
}
