// Creating accounts through the API: self-service sign-up, and administrators (the CLI has its own path, src/cli.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { registerAccount } from '../../flows/register.js';
import { passChallenge } from '../../flows/challenge.js';
import { requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { accountView, emailInput, errors, freeText, passwordInput, toAccountView } from '../shared/schemas.js';
import { apiProof } from '../shared/challenge.js';

export async function signUpApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/accounts',
    {
      schema: {
        operationId: 'createAccount',
        security: [{}, { sessionCookie: [] }],
        tags: ['accounts'],
        summary: 'Create an account',
        description:
          'Self-service sign-up when registration is open (the new person is signed in); administrators may always create accounts and choose the role. A signed-in administrator acts as one: that needs a recent authentication with the account’s strongest method, otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate). ' +
          'A self-service sign-up may need a solved bot challenge in the Passdesk-Challenge header (PASSDESK_CHALLENGE); without one: 428 CHALLENGE_REQUIRED.',
        body: z.strictObject({
          email: emailInput,
          password: passwordInput,
          displayName: freeText('displayName', { max: 100 }).optional(),
          role: z.enum(['user', 'helpdesk', 'admin']).optional(),
        }),
        response: { 201: z.object({ account: accountView }), ...errors(400, 403, 409, 413, 415, 428) },
      },
    },
    async (request, reply) => {
      assertPasswordWithinLimit(request.body.password);
      const auth = await ctx.authenticate(request);
      const by = auth && auth.account.role === 'admin' ? ({ kind: 'admin', auth } as const) : ({ kind: 'self' } as const);
      // An administrator creating an account is signed in already; a stranger's sign-up may need a solved challenge.
      if (by.kind === 'self' && ctx.deps.config.registration === 'open') await passChallenge(ctx.deps, 'sign-up', apiProof(request), requestContext(request));
      const result = await registerAccount(ctx.deps, request.body, requestContext(request), by);
      if (result.signedIn) setSessionCookie(reply, ctx.cookies, result.signedIn.token);
      return reply.status(201).send({ account: toAccountView(result.account) });
    },
  );
}
