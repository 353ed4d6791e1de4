// Two-factor API: enrol an authenticator app, list and remove factors, and the second step of sign-in.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  completeSecondFactor,
  confirmTotp,
  listFactors,
  regenerateRecoveryCodes,
  removeFactor,
  renameFactor,
  startTotpEnrolment,
} from '../../flows/two-factor.js';
import { deviceCookieOf, requestContext, setDeviceCookie, setSessionCookie, type HttpContext } from '../shared/context.js';
import { issueDeviceCookie } from '../../flows/sign-in.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { accountView, errors, passwordInput, sessionView, toAccountView, currentSessionView } from '../shared/schemas.js';
import { asAssertion, passkeyAssertionInput } from '../shared/passkey-input.js';
import { factorNameInput } from './schemas.js';

const cookieAuth = [{ sessionCookie: [] }];
/** A TOTP code or a recovery code, with the spaces or dashes people type. */
const codeInput = z.string().trim().min(1).max(32);
const iso = (ms: number): string => new Date(ms).toISOString();
const stepUpNote =
  ' Needs a recent authentication with the account’s strongest method: otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate).';
const factorView = z.object({ id: z.string(), type: z.literal('totp'), name: z.string(), createdAt: z.string(), confirmedAt: z.string() });

export async function twoFactorApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  await myFactorsApi(app, ctx);
  await myFactorChangesApi(app, ctx);
  await secondStepApi(app, ctx);
}

/** My second factors: list them, enrol an authenticator app. */
async function myFactorsApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/2fa',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'listSecondFactors',
        tags: ['two-factor'],
        summary: 'My second factors',
        description: 'Confirmed second factors and how many unused recovery codes are left.',
        security: cookieAuth,
        response: { 200: z.object({ factors: z.array(factorView), recoveryCodesRemaining: z.number().int() }), ...errors(401) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      const { factors, recoveryCodesRemaining } = await listFactors(ctx.deps, auth);
      return { factors: factors.map((f) => ({ ...f, createdAt: iso(f.createdAt), confirmedAt: iso(f.confirmedAt) })), recoveryCodesRemaining };
    },
  );

  r.post(
    '/api/v1/2fa/totp',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'startTotpEnrollment',
        tags: ['two-factor'],
        summary: 'Start adding an authenticator app',
        description:
          'Creates a new TOTP secret (160 bits, RFC 6238, 6 digits, 30 s), pending until confirmed with a code. A new start replaces an unconfirmed one.' +
          stepUpNote,
        security: cookieAuth,
        body: z.strictObject({}).nullish(),
        response: { 201: z.object({ id: z.string(), secret: z.string(), otpauthUrl: z.string() }), ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const e = await startTotpEnrolment(ctx.deps, auth, { issuer: ctx.config.organizationName });
      return reply.status(201).send({ id: e.id, secret: e.secret, otpauthUrl: e.otpauthUrl });
    },
  );

  r.post(
    '/api/v1/2fa/totp/confirm',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'confirmTotpEnrollment',
        tags: ['two-factor'],
        summary: 'Confirm the authenticator app',
        description:
          'A correct current code confirms the pending app (and counts as this session’s authentication with it: the session token is rotated and a new cookie set). For the first factor the answer carries 10 recovery codes, shown this once.' +
          stepUpNote,
        security: cookieAuth,
        body: z.strictObject({ code: codeInput }),
        response: { 200: z.object({ factor: factorView, recoveryCodes: z.array(z.string()).nullable() }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const { factor, recoveryCodes, token } = await confirmTotp(ctx.deps, auth, request.body, requestContext(request));
      // The session is now authenticated with the new factor (stronger): its token was rotated.
      setSessionCookie(reply, ctx.cookies, token);
      return { factor: { ...factor, createdAt: iso(factor.createdAt), confirmedAt: iso(factor.confirmedAt) }, recoveryCodes };
    },
  );
}

/** Changing what I have: remove an app, new recovery codes, rename an app. */
async function myFactorChangesApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.delete(
    '/api/v1/2fa/totp/:id',
    {
      schema: {
        operationId: 'removeTotp',
        tags: ['two-factor'],
        summary: 'Remove an authenticator app',
        description:
          'Needs the current password or a current code in the body. Removing the last factor needs the password, which must then meet the single-factor minimum length (else 409 LAST_FACTOR_PASSWORD_TOO_SHORT), and also voids the recovery codes; for a role that must use two-step verification (PASSDESK_REQUIRE_TWO_FACTOR_ROLES) the last factor stays (409 TWO_FACTOR_REQUIRED_BY_ROLE). An email tells the person.' +
          stepUpNote,
        security: cookieAuth,
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        body: z.strictObject({ currentPassword: passwordInput.optional(), code: codeInput.optional() }),
        response: { 200: z.object({ remaining: z.number().int() }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      if (request.body.currentPassword) assertPasswordWithinLimit(request.body.currentPassword);
      return removeFactor(ctx.deps, auth, request.params.id, request.body, requestContext(request));
    },
  );

  r.post(
    '/api/v1/2fa/recovery-codes',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'regenerateRecoveryCodes',
        tags: ['two-factor'],
        summary: 'New recovery codes',
        description:
          'Generates 10 new recovery codes, shown this once; the old set stops working in the same transaction. An email tells the person. 409 TWO_FACTOR_NOT_ENABLED without a factor.' +
          stepUpNote,
        security: cookieAuth,
        body: z.strictObject({}).nullish(),
        response: { 201: z.object({ recoveryCodes: z.array(z.string()) }), ...errors(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      return reply.status(201).send(await regenerateRecoveryCodes(ctx.deps, auth, requestContext(request)));
    },
  );

  r.patch(
    '/api/v1/2fa/factors/:id',
    {
      schema: {
        operationId: 'renameSecondFactor',
        tags: ['two-factor'],
        summary: 'Rename a second factor',
        description:
          'The name shown in lists ("Phone", "Work laptop"): NFC, trimmed, 1–64 characters; a control or format character is 400 INVALID_CHARACTERS.',
        security: cookieAuth,
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        body: z.strictObject({ name: factorNameInput }),
        response: { 200: z.object({ factor: factorView }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      const f = await renameFactor(ctx.deps, auth, request.params.id, request.body.name, requestContext(request));
      return { factor: { ...f, createdAt: iso(f.createdAt), confirmedAt: iso(f.confirmedAt) } };
    },
  );
}

/** The second step of a sign-in, for an account with a second factor. */
async function secondStepApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/sessions/second-factor',
    {
      schema: {
        operationId: 'signInSecondFactor',
        security: [{}, { sessionCookie: [] }],
        tags: ['sessions'],
        summary: 'Sign in: second step',
        description:
          'Completes a sign-in that answered second_factor_required: a current authenticator code (each usable once), an unused recovery code, ' +
          'or a passkey’s answer to POST /api/v1/passkeys/second-factor/options (`{flowId, method: "passkey", response}`). The pending sign-in ends after 5 failures or 5 minutes.',
        body: z.union([
          z.strictObject({ flowId: z.string().min(16).max(128), method: z.enum(['totp', 'recovery_code']), code: codeInput }),
          z.strictObject({ flowId: z.string().min(16).max(128), method: z.literal('passkey'), response: passkeyAssertionInput }),
        ]),
        response: { 201: z.object({ account: accountView, session: sessionView }), ...errors(400, 403, 429) },
      },
    },
    async (request, reply) => {
      const replacing = await ctx.authenticate(request);
      const body = request.body;
      const proof = body.method === 'passkey' ? { flowId: body.flowId, method: body.method, response: asAssertion(body.response) } : body;
      const result = await completeSecondFactor(ctx.deps, proof, requestContext(request), { replacing });
      setSessionCookie(reply, ctx.cookies, result.token);
      setDeviceCookie(
        reply,
        ctx.cookies,
        await issueDeviceCookie(ctx.deps, { account: result.account, sessionId: result.session.id }, deviceCookieOf(request, ctx.cookies)),
      );
      return reply.status(201).send({ account: toAccountView(result.account), session: currentSessionView(result.session) });
    },
  );
}
