// Changing my password, and the password policy as data and sentences with a live check for the pages' checklist
// and other front ends.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { describePolicy, passwordRulesAttribute } from '../../core/password-policy.js';
import { localizedText, sentenceOf } from '../../core/i18n/sentence.js';
import type { Translator } from '../../core/i18n/translator.js';
import { resolvedTranslator } from '../shared/language.js';
import { memoryAttemptLimiter, reserveEach } from '../../core/attempt-limiter.js';
import { evaluateForAccount, passwordPolicyFor } from '../../flows/password-policy.js';
import { resetFlowAccount } from '../../flows/reset-password.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { changePassword } from '../../flows/change-password.js';
import { requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { errors, passwordInput, sessionView, currentSessionView } from '../shared/schemas.js';
import { perIpKey } from '../../core/client-key.js';

/** Live checks per minute, per IP and per session: enough for typing, not for testing a word list. */
export const PASSWORD_CHECKS_PER_MINUTE = 60;

const violationView = z.object({
  code: z.string().meta({ description: 'Stable code, e.g. PASSWORD_TOO_SHORT.' }),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

const strengthView = z
  .object({
    score: z.number().int().min(0).max(4).meta({ description: 'zxcvbn score: 0 (too guessable) … 4 (very unguessable).' }),
    label: z.string(),
    warning: z.string().nullable().meta({ description: 'What makes it guessable, in plain words (ours, not the estimator’s), or null.' }),
    suggestions: z.array(z.string()).meta({ description: 'How to make it stronger, in plain words.' }),
  })
  .nullable();

export interface PolicyView {
  rules: {
    minLength: number;
    minLengthWithSecondFactor: number;
    maxLength: number;
    minStrengthScore: number;
    bannedTerms: boolean;
    breachedCheck: boolean;
    minCharacterClasses: number;
    historyCount: number;
    minAgeSeconds: number;
    maxAgeSeconds: number;
  };
  sentences: string[];
  passwordRules: string;
}

export async function policyView(ctx: HttpContext, t: Translator): Promise<PolicyView> {
  const p = ctx.deps.config.passwordPolicy;
  const breachedCheck = (await ctx.deps.breached?.active()) ?? false;
  return {
    rules: {
      minLength: p.minLength,
      minLengthWithSecondFactor: p.minLengthWithSecondFactor,
      maxLength: p.maxLength,
      minStrengthScore: p.minStrengthScore,
      bannedTerms: p.bannedTerms.length > 0,
      breachedCheck,
      minCharacterClasses: p.minCharacterClasses,
      historyCount: p.historyCount,
      minAgeSeconds: Math.round(p.minAgeMs / 1000),
      maxAgeSeconds: Math.round(p.maxAgeMs / 1000),
    },
    sentences: describePolicy(p, { breachedCheck, translator: t }),
    passwordRules: passwordRulesAttribute(p),
  };
}

const cookieAuth = [{ sessionCookie: [] }];

export async function passwordApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/password/change',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'changePassword',
        tags: ['password'],
        summary: 'Change my password',
        description:
          'Verifies the current password, checks the new one, and in one transaction stores it, rotates this session (a new cookie is set) and, unless signOutOtherSessions is false, signs out every other device.',
        security: cookieAuth,
        body: z.strictObject({
          currentPassword: passwordInput,
          newPassword: passwordInput,
          signOutOtherSessions: z.boolean().optional().default(true),
        }),
        response: { 200: z.object({ signedOutSessions: z.number().int(), session: sessionView }), ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      assertPasswordWithinLimit(request.body.currentPassword, request.body.newPassword);
      const result = await changePassword(ctx.deps, auth, request.body, requestContext(request));
      setSessionCookie(reply, ctx.cookies, result.token);
      return { signedOutSessions: result.signedOutSessions, session: currentSessionView(result.session) };
    },
  );

  const checkLimit = { name: 'password-check', limit: PASSWORD_CHECKS_PER_MINUTE, windowMs: 60_000 };
  const limiter = ctx.deps.attemptLimiters?.create(checkLimit) ?? memoryAttemptLimiter({ ...checkLimit, clock: ctx.deps.clock });

  r.get(
    '/api/v1/password/policy',
    {
      schema: {
        operationId: 'getPasswordPolicy',
        security: [],
        tags: ['password'],
        summary: 'The password rules in force',
        description:
          'The policy as data, as plain sentences, and as a `passwordrules` string (the attribute password managers read to generate a compliant password). The organisation’s banned words themselves are not listed.',
        response: {
          200: z.object({
            rules: z.object({
              minLength: z.number().int(),
              minLengthWithSecondFactor: z.number().int(),
              maxLength: z.number().int(),
              minStrengthScore: z.number().int(),
              bannedTerms: z.boolean().meta({ description: 'Whether the organisation bans words of its own.' }),
              breachedCheck: z.boolean(),
              minCharacterClasses: z.number().int(),
              historyCount: z.number().int(),
              minAgeSeconds: z.number().int(),
              maxAgeSeconds: z.number().int(),
            }),
            sentences: z.array(z.string()),
            passwordRules: z.string(),
          }),
          // A NUL anywhere in the request (here: the query string) is refused for every route (plugins/input-hygiene.ts).
          ...errors(400),
        },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-cache');
      return policyView(ctx, resolvedTranslator(request));
    },
  );

  r.post(
    '/api/v1/password/check',
    {
      schema: {
        operationId: 'checkPassword',
        security: [{}, { sessionCookie: [] }],
        tags: ['password'],
        summary: 'Check a candidate password',
        description:
          'Evaluates a candidate against the policy for live feedback: every rule that fails, with a plain message, and a strength estimate. ' +
          'Signed in, or with the `flow` of a verified reset, that account’s rules (a directory account’s merged with Passdesk’s), name and email are used; otherwise the configured policy with the email and name given. ' +
          'History and reuse are checked when the password is submitted, not here. ' +
          `Limited to ${PASSWORD_CHECKS_PER_MINUTE} checks a minute per IP and per session. Nothing is logged or stored.`,
        body: z.strictObject({
          password: passwordInput,
          email: z.string().max(254).optional(),
          displayName: z.string().max(200).optional(),
          flow: z.string().max(256).optional().meta({ description: 'The flow id of a verified password reset, on its new-password page (signed out).' }),
        }),
        response: { 200: z.object({ ok: z.boolean(), violations: z.array(violationView), strength: strengthView }), ...errors(400, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.authenticate(request);
      const t = resolvedTranslator(request);
      const keys = rateKeys(request, auth?.session.id ?? null);
      // Every check counts (a "failure" here is simply a use); each key is taken in one step, so a burst cannot pass.
      if (!(await reserveEach(keys.map((k) => [limiter, k] as const)))) throw new PassdeskError('TOO_MANY_REQUESTS');
      // A flow id that is not live is as if none was given: the answer says nothing about which ids are.
      const account = auth?.account ?? (request.body.flow ? await resetFlowAccount(ctx.deps, request.body.flow) : null);
      // The rules the submit will apply; if the directory cannot say now, the local ones (the submit asks again).
      const policy = account ? await passwordPolicyFor(ctx.deps, account).catch(() => ctx.deps.config.passwordPolicy) : undefined;
      const evaluation = await evaluateForAccount(ctx.deps, request.body.password, 'choose', {
        ...(account ? { account, policy } : { email: request.body.email ?? null, displayName: request.body.displayName ?? null }),
        translator: t,
      });
      reply.header('Cache-Control', 'no-store');
      // Each refusal in the request's language (its sentence), the code unchanged.
      return { ...evaluation, violations: evaluation.violations.map((v) => ({ ...v, message: localizedText(t, v.message, sentenceOf(v)) })) };
    },
  );
}

function rateKeys(request: FastifyRequest, sessionId: string | null): string[] {
  return [perIpKey(request.ip), ...(sessionId ? [`session:${sessionId}`] : [])];
}
