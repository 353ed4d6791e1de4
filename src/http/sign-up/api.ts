// Creating accounts through the API: self-service sign-up with a confirmed address (flows/sign-up.ts), and
// administrators (flows/register.ts; the CLI has its own path, src/cli.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resolvedTranslator } from '../shared/language.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { registerAccount } from '../../flows/register.js';
import { confirmSignUpByCode, confirmSignUpByToken, requestSignUp } from '../../flows/sign-up.js';
import { passChallenge } from '../../flows/challenge.js';
import { askedLanguage } from '../shared/language.js';
import { requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { accountView, emailInput, errors, freeText, passwordInput, toAccountView } from '../shared/schemas.js';
import { apiProof } from '../shared/challenge.js';
import { signUpCodeInput, signUpTokenInput } from './schemas.js';

const acceptedBody = z.object({ status: z.literal('accepted'), message: z.string() }).meta({ id: 'SignUpAccepted' });
/** The same answer for every address, in the request's language. */
const accepted = (request: FastifyRequest): { status: 'accepted'; message: string } => ({
  status: 'accepted',
  message: resolvedTranslator(request).t('notice.SIGN_UP_REQUESTED'),
});

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
          'Self-service sign-up when registration is open: always 202 with the same body and no cookie, whether or not the address has an account. ' +
          'A new address is sent a link `{base URL}/sign-up/verify?token=TOKEN` and an 8-digit code (both work for 24 hours; confirm with POST /api/v1/accounts/verify); ' +
          'an address that has an account is told that someone tried to sign up with it. At most 3 such emails per address per 15 minutes; the password is checked against the policy (400) and hashed before the answer. ' +
          'A self-service sign-up may need a solved bot challenge in the Passdesk-Challenge header (PASSDESK_CHALLENGE); without one: 428 CHALLENGE_REQUIRED. ' +
          'A signed-in administrator may always create accounts (201), choose the role, and say whether the address counts as confirmed (`emailConfirmed`, default true; false sends the person a link and a code, and no password reset goes to the address until it is confirmed); ' +
          'that needs a recent authentication with the account’s strongest method, otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate).',
        body: z.strictObject({
          email: emailInput,
          password: passwordInput,
          displayName: freeText('displayName', { max: 100 }).optional(),
          role: z.enum(['user', 'helpdesk', 'admin']).optional(),
          emailConfirmed: z.boolean().optional().meta({ description: 'Administrators only: whether the address counts as confirmed (default true).' }),
        }),
        response: { 201: z.object({ account: accountView }), 202: acceptedBody, ...errors(400, 403, 409, 413, 415, 428) },
      },
    },
    async (request, reply) => {
      assertPasswordWithinLimit(request.body.password);
      const auth = await ctx.authenticate(request);
      if (auth && auth.account.role === 'admin') {
        const { account } = await registerAccount(ctx.deps, request.body, requestContext(request), { kind: 'admin', auth });
        return reply.status(201).send({ account: toAccountView(account) });
      }
      // What only an administrator may choose is refused before anything else, the same for every address.
      if ((request.body.role && request.body.role !== 'user') || request.body.emailConfirmed !== undefined) throw new PassdeskError('FORBIDDEN');
      if (ctx.deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
      // A stranger's sign-up may need a solved challenge.
      await passChallenge(ctx.deps, 'sign-up', apiProof(request), requestContext(request));
      await requestSignUp(ctx.deps, { ...request.body, locale: askedLanguage(request) ?? undefined }, requestContext(request));
      return reply.status(202).send(accepted(request));
    },
  );

  r.post(
    '/api/v1/accounts/verify',
    {
      schema: {
        operationId: 'verifyAccountEmail',
        security: [],
        tags: ['accounts'],
        summary: 'Confirm an address: finish a sign-up',
        description:
          'With the emailed link’s `token`, or the address and the emailed 8-digit `code`. A sign-up is finished: the account is made and signed in (201 with the session cookie). ' +
          'The address of an account an administrator created unconfirmed is confirmed (200, no cookie: sign in with the password you were given). ' +
          'A used, expired or unknown link: 400 SIGN_UP_LINK_INVALID. A wrong code: 400 SIGN_UP_CODE_INVALID (5 wrong codes end the code of that email; the link keeps working). Too many wrong codes from one IP: 429 TOO_MANY_REQUESTS.',
        body: z.union([z.strictObject({ token: signUpTokenInput }), z.strictObject({ email: emailInput, code: signUpCodeInput })]),
        response: { 201: z.object({ account: accountView }), 200: z.object({ account: accountView }), ...errors(400, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const done =
        'token' in body
          ? await confirmSignUpByToken(ctx.deps, body, requestContext(request))
          : await confirmSignUpByCode(ctx.deps, body, requestContext(request));
      if (done.kind === 'address-confirmed') return reply.status(200).send({ account: toAccountView(done.account) });
      setSessionCookie(reply, ctx.cookies, done.session.token);
      return reply.status(201).send({ account: toAccountView(done.account) });
    },
  );
}
