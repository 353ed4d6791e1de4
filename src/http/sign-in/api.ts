// Signing in through the API: POST /api/v1/sessions (the second step is two-factor/api.ts, passkeys passkeys/api.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { signIn } from '../../flows/sign-in.js';
import { passChallenge } from '../../flows/challenge.js';
import { deviceCookieOf, requestContext, setDeviceCookie, setSessionCookie, type HttpContext } from '../shared/context.js';
import { accountView, errors, passwordInput, sessionView, toAccountView, currentSessionView } from '../shared/schemas.js';
import { apiProof } from '../shared/challenge.js';

export async function signInApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/sessions',
    {
      schema: {
        operationId: 'signIn',
        security: [{}, { sessionCookie: [] }],
        tags: ['sessions'],
        summary: 'Sign in',
        description:
          'Checks email and password and sets the session cookie. Every failure answers 401 INVALID_CREDENTIALS, whatever the reason. For an account with a second factor a correct password answers 200 second_factor_required with a flowId, and no cookie. ' +
          'A completed sign-in also sets a long-lived device cookie. After 5 consecutive failures for one email (from any IPs) a client without a device cookie for it waits (429 SIGN_IN_THROTTLED with Retry-After: 1s, then doubling); after 100 it cannot sign in until the password is reset or the cool-off passes. ' +
          'When a bot challenge is needed (PASSDESK_CHALLENGE=always, or auto once this IP reached its failure limit) the solved challenge goes in the Passdesk-Challenge header; without one: 428 CHALLENGE_REQUIRED (see GET /api/v1/challenge).',
        body: z.strictObject({ email: z.string().trim().min(1).max(254), password: passwordInput }),
        response: {
          201: z.object({ account: accountView, session: sessionView }),
          200: z.object({ status: z.literal('second_factor_required'), flowId: z.string(), methods: z.array(z.enum(['totp', 'passkey', 'recovery_code'])) }),
          ...errors(400, 401, 403, 413, 415, 428, 429),
        },
      },
    },
    async (request, reply) => {
      assertPasswordWithinLimit(request.body.password);
      const replacing = await ctx.authenticate(request);
      const challengeSolved = await passChallenge(ctx.deps, 'sign-in', apiProof(request), requestContext(request));
      const result = await signIn(ctx.deps, request.body, requestContext(request), {
        replacing,
        deviceCookie: deviceCookieOf(request, ctx.cookies),
        challengeSolved,
      });
      // No session cookie until the second factor (POST /api/v1/sessions/second-factor).
      if (result.status === 'second_factor_required') {
        return reply.status(200).send({ status: result.status, flowId: result.flowId, methods: result.methods });
      }
      setSessionCookie(reply, ctx.cookies, result.token);
      setDeviceCookie(reply, ctx.cookies, result.deviceCookie);
      return reply.status(201).send({ account: toAccountView(result.account), session: currentSessionView(result.session) });
    },
  );
}
