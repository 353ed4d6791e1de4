// Step-up through the API: POST /api/v1/session/reauthenticate (the page is step-up/pages.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { reauthenticate, type ReauthenticationInput } from '../../flows/step-up.js';
import { requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { errors, passwordInput, sessionView, currentSessionView } from '../shared/schemas.js';
import { asAssertion, passkeyAssertionInput } from '../shared/passkey-input.js';

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

export async function stepUpApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/session/reauthenticate',
    {
      config: { beforeTwoFactor: true },
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
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      if (request.body.method === 'password') assertPasswordWithinLimit(request.body.password);
      const body = request.body;
      const input: ReauthenticationInput = body.method === 'passkey' ? { method: 'passkey', response: asAssertion(body.response) } : body;
      const result = await reauthenticate(ctx.deps, auth, input, requestContext(request));
      setSessionCookie(reply, ctx.cookies, result.token);
      return {
        session: currentSessionView(result.session),
        method: result.method,
        authenticatedAt: iso(result.session.authenticatedAt),
        validUntil: iso(result.validUntil),
      };
    },
  );
}
