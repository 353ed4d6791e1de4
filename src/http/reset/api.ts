// Password reset through the JSON API any front end can drive (the portal at /reset is reset/pages.ts).
// Each handler parses, calls one flow (flows/reset-password.ts), and answers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resolvedTranslator } from '../shared/language.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { completePasswordReset, proveResetMethod, requestPasswordReset, verifyResetCode, verifyResetToken } from '../../flows/reset-password.js';
import type { SecondFactorProof } from '../../flows/two-factor.js';
import { passChallenge } from '../../flows/challenge.js';
import { emailInput, errors, passwordInput } from '../shared/schemas.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { asAssertion, passkeyAssertionInput } from '../shared/passkey-input.js';
import { apiProof } from '../shared/challenge.js';
import { codeInput, factorCodeInput, secretInput } from './schemas.js';

const flowView = z
  .object({
    flowId: z.string().meta({ description: 'Names the verified reset for /complete. Lives as long as PASSDESK_RESET_TOKEN_TTL.' }),
    requires: z.array(z.enum(['second_factor', 'security_questions', 'second_method'])).meta({
      description:
        'What is still to prove before /complete accepts a password: `second_factor` (an authenticator code, a passkey or a recovery code), ' +
        '`security_questions` (when the organisation uses them and the account has no second factor), or `second_method` ' +
        '(a role that needs two methods has only its email: reset through the help desk). Empty: the email proof suffices.',
    }),
    secondFactorMethods: z
      .array(z.enum(['totp', 'passkey', 'recovery_code']))
      .optional()
      .meta({ description: 'With second_factor: the methods this account can use.' }),
    securityQuestions: z
      .array(z.object({ id: z.string(), text: z.string() }))
      .optional()
      .meta({ description: 'With security_questions: the questions to answer.' }),
  })
  .meta({ id: 'ResetFlow' });

const codeFactorInput = z.strictObject({ method: z.enum(['totp', 'recovery_code']), code: factorCodeInput });
/** A passkey's answer to POST /api/v1/passkeys/reset/options. */
const passkeyFactorInput = z.strictObject({ method: z.literal('passkey'), response: passkeyAssertionInput });
const secondFactorInput = z.union([codeFactorInput, passkeyFactorInput]);
const toProof = (f: z.infer<typeof secondFactorInput>): SecondFactorProof =>
  f.method === 'passkey' ? { method: 'passkey', response: asAssertion(f.response) } : f;
const answersInput = z
  .array(z.strictObject({ questionId: z.string().min(1).max(64), answer: z.string().max(200) }))
  .min(1)
  .max(5);

const acceptedBody = z.object({ status: z.literal('accepted'), message: z.string() });
/** The same answer for every address, in the request's language. */
const accepted = (request: FastifyRequest): { status: 'accepted'; message: string } => ({
  status: 'accepted',
  message: resolvedTranslator(request).t('notice.RESET_REQUESTED'),
});

export async function resetApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/password/reset',
    {
      schema: {
        operationId: 'requestPasswordReset',
        security: [],
        tags: ['password'],
        summary: 'Ask for a password reset email',
        description:
          'Always 202 with the same body, whether or not an account uses the address (and whether it is disabled or locked). ' +
          'When one does, an email with the link `{base URL}/reset?token=TOKEN` and an 8-digit code goes to its address and its verified recovery address. ' +
          'At most 3 emails per account per 15 minutes while their links still work, and a limit per IP; a throttled request still answers 202 and sends nothing. ' +
          'With bot challenges on (PASSDESK_CHALLENGE: always, or auto once this IP reached its limit) the solved challenge goes in the Passdesk-Challenge header; ' +
          'without one: 428 CHALLENGE_REQUIRED, decided on the IP alone before the address is looked at, so it is the same for every address.',
        body: z.strictObject({ email: emailInput }),
        response: { 202: acceptedBody, ...errors(400, 403, 413, 415, 428) },
      },
    },
    async (request, reply) => {
      const challengeSolved = await passChallenge(ctx.deps, 'reset', apiProof(request), requestContext(request));
      requestPasswordReset(ctx.deps, request.body, requestContext(request), { challengeSolved });
      return reply.status(202).send(accepted(request));
    },
  );

  r.post(
    '/api/v1/password/reset/verify',
    {
      schema: {
        operationId: 'verifyPasswordReset',
        security: [],
        tags: ['password'],
        summary: 'Exchange the reset link token, or the email and code, for a flow id',
        description:
          'Either `{token}` from the link or `{email, code}`. A token or code works once. Used, expired or unknown: 400 RESET_LINK_INVALID or RESET_CODE_INVALID. ' +
          'A newer request does not end an older link. Five wrong codes end the code of each live reset of the account; its link still works.',
        body: z.union([z.strictObject({ token: secretInput }), z.strictObject({ email: emailInput, code: codeInput })]),
        response: { 200: flowView, ...errors(400, 413, 415) },
      },
    },
    async (request) => {
      const body = request.body;
      return 'token' in body ? verifyResetToken(ctx.deps, body, requestContext(request)) : verifyResetCode(ctx.deps, body, requestContext(request));
    },
  );

  r.post(
    '/api/v1/password/reset/complete',
    {
      schema: {
        operationId: 'completePasswordReset',
        security: [],
        tags: ['password'],
        summary: 'Set the new password of a verified reset',
        description:
          'Checks the whole password policy (including not the current password, the history, and after “This wasn’t me” no password in use since the reported event), then in one transaction: the new password, every session of the account signed out, every reset of the account ended, ' +
          'the audit event and a "password reset" email. No session is created: sign in with the new password. A used or expired flow: 400 RESET_FLOW_INVALID.',
        body: z.strictObject({
          flowId: secretInput,
          newPassword: passwordInput,
          secondFactor: secondFactorInput.optional().meta({ description: 'Proves `second_factor` in the same call (as /reset/second-factor does).' }),
          securityAnswers: answersInput.optional().meta({ description: 'Proves `security_questions` in the same call.' }),
        }),
        response: { 200: z.object({ status: z.literal('password-changed') }), ...errors(400, 403, 413, 415, 429, 503) },
      },
    },
    async (request) => {
      assertPasswordWithinLimit(request.body.newPassword);
      const { secondFactor, ...rest } = request.body;
      await completePasswordReset(ctx.deps, { ...rest, secondFactor: secondFactor ? toProof(secondFactor) : undefined }, requestContext(request));
      return { status: 'password-changed' as const };
    },
  );
  await resetSecondProofApi(app, ctx);
}

/** The reset's second proofs, for accounts that have one: a second factor, or security answers. */
async function resetSecondProofApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/password/reset/second-factor',
    {
      schema: {
        operationId: 'proveResetSecondFactor',
        security: [],
        tags: ['password'],
        summary: 'Prove the second factor of a reset',
        description:
          'For a flow whose `requires` holds `second_factor`: a current authenticator code (each usable once, also across sign-in), an unused recovery code ' +
          '(used up; the person is told by email), or a passkey’s answer to POST /api/v1/passkeys/reset/options. Five wrong codes end the flow; wrong codes also count against the account’s limit shared with sign-in (429). ' +
          'Answers the flow with what is still required.',
        body: z.union([
          z.strictObject({ flowId: secretInput }).extend(codeFactorInput.shape),
          z.strictObject({ flowId: secretInput }).extend(passkeyFactorInput.shape),
        ]),
        response: { 200: flowView, ...errors(400, 413, 415, 429) },
      },
    },
    async (request) => {
      const { flowId, ...factor } = request.body;
      return proveResetMethod(ctx.deps, { flowId, ...toProof(factor) }, requestContext(request));
    },
  );

  r.post(
    '/api/v1/password/reset/security-questions',
    {
      schema: {
        operationId: 'answerResetSecurityQuestions',
        security: [],
        tags: ['password'],
        summary: 'Answer the security questions of a reset',
        description:
          'For a flow whose `requires` holds `security_questions`: every question the person answered, compared after normalisation (case, accents, spaces ' +
          'and punctuation do not matter). Five wrong tries end the flow.',
        body: z.strictObject({ flowId: secretInput, answers: answersInput }),
        response: { 200: flowView, ...errors(400, 413, 415, 429) },
      },
    },
    async (request) =>
      proveResetMethod(ctx.deps, { flowId: request.body.flowId, method: 'security_questions', answers: request.body.answers }, requestContext(request)),
  );
}
