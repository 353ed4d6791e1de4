// The JSON API. Each handler parses (Zod, via the route schema), calls one flow, and answers.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { PASSWORD_ABSOLUTE_MAX, passwordLength } from '../../core/password-rules.js';
import { passwordLengthMessage } from '../../core/messages.js';
import { signIn } from '../../flows/sign-in.js';
import { changePassword } from '../../flows/change-password.js';
import { registerAccount } from '../../flows/register.js';
import { listDevices, revokeDevice, revokeOtherDevices, signOut } from '../../flows/sessions.js';
import { clearSessionCookie, deviceCookieOf, requestContext, setDeviceCookie, setSessionCookie, type HttpContext } from '../context.js';
import { accountView, emailInput, errors, freeText, passwordInput, sessionView, toAccountView, toSessionView } from './schemas.js';
import { passChallenge } from '../../flows/challenge.js';
import { apiProof } from '../challenge.js';

/** Refuses an over-long password in microseconds, before anything is hashed. */
export function assertPasswordWithinLimit(...passwords: string[]): void {
  for (const p of passwords) {
    const n = passwordLength(p);
    if (n > PASSWORD_ABSOLUTE_MAX) {
      throw new PassdeskError('PASSWORD_TOO_LONG', passwordLengthMessage('long', PASSWORD_ABSOLUTE_MAX, n), { maxLength: PASSWORD_ABSOLUTE_MAX });
    }
  }
}

const cookieAuth = [{ sessionCookie: [] }];

export async function apiRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/sessions', {
    schema: {
      operationId: 'signIn',
      security: [{}, { sessionCookie: [] }],
      tags: ['sessions'],
      summary: 'Sign in',
      description: 'Checks email and password and sets the session cookie. Every failure answers 401 INVALID_CREDENTIALS, whatever the reason. For an account with a second factor a correct password answers 200 second_factor_required with a flowId, and no cookie. '
        + 'A completed sign-in also sets a long-lived device cookie. After 5 consecutive failures for one email (from any IPs) a client without a device cookie for it waits (429 SIGN_IN_THROTTLED with Retry-After: 1s, then doubling); after 100 it cannot sign in until the password is reset or the cool-off passes. '
        + 'When a bot challenge is needed (PASSDESK_CHALLENGE=always, or auto once this IP reached its failure limit) the solved challenge goes in the Passdesk-Challenge header; without one: 428 CHALLENGE_REQUIRED (see GET /api/v1/challenge).',
      body: z.strictObject({ email: z.string().trim().min(1).max(254), password: passwordInput }),
      response: {
        201: z.object({ account: accountView, session: sessionView }),
        200: z.object({ status: z.literal('second_factor_required'), flowId: z.string(), methods: z.array(z.enum(['totp', 'passkey', 'recovery_code'])) }),
        ...errors(400, 401, 403, 413, 415, 428, 429),
      },
    },
  }, async (request, reply) => {
    assertPasswordWithinLimit(request.body.password);
    const replacing = await ctx.authenticate(request);
    const challengeSolved = await passChallenge(ctx.deps, 'sign-in', apiProof(request), requestContext(request));
    const result = await signIn(ctx.deps, request.body, requestContext(request), { replacing, deviceCookie: deviceCookieOf(request, ctx.cookies), challengeSolved });
    // No session cookie until the second factor (POST /api/v1/sessions/second-factor).
    if (result.status === 'second_factor_required') {
      return reply.status(200).send({ status: result.status, flowId: result.flowId, methods: result.methods });
    }
    setSessionCookie(reply, ctx.cookies, result.token);
    setDeviceCookie(reply, ctx.cookies, result.deviceCookie);
    return reply.status(201).send({ account: toAccountView(result.account), session: toSessionView({ ...result.session, current: true }) });
  });

  r.get('/api/v1/session', {
    schema: {
      operationId: 'getSession',
      tags: ['sessions'],
      summary: 'Who am I',
      description: 'The signed-in account and the current session.',
      security: cookieAuth,
      response: { 200: z.object({ account: accountView, session: sessionView }), ...errors(401) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    return { account: toAccountView(auth.account), session: toSessionView({ ...auth.session, current: true }) };
  });

  r.delete('/api/v1/session', {
    schema: { operationId: 'signOut', tags: ['sessions'], summary: 'Sign out', description: 'Ends the current session on the server and clears the cookie.', security: cookieAuth, response: { 204: z.null(), ...errors(403) } },
  }, async (request, reply) => {
    const auth = await ctx.authenticate(request);
    if (auth) await signOut(ctx.deps, auth, requestContext(request));
    clearSessionCookie(reply, ctx.cookies);
    return reply.status(204).send(null);
  });

  r.get('/api/v1/sessions', {
    schema: {
      operationId: 'listSessions',
      tags: ['sessions'],
      summary: 'My devices',
      description: 'Every live session of the signed-in account, newest activity first; the current one is marked.',
      security: cookieAuth,
      response: { 200: z.object({ sessions: z.array(sessionView) }), ...errors(401) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    const devices = await listDevices(ctx.deps, auth);
    return { sessions: devices.map(toSessionView) };
  });

  r.delete('/api/v1/sessions/:id', {
    schema: {
      operationId: 'revokeSession',
      tags: ['sessions'],
      summary: 'Sign out one device',
      description: 'Ends one of my sessions. Ending the current one signs me out.',
      security: cookieAuth,
      params: z.strictObject({ id: z.string().min(1).max(64) }),
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
  }, async (request, reply) => {
    const auth = await ctx.requireAuth(request);
    const { current } = await revokeDevice(ctx.deps, auth, request.params.id, requestContext(request));
    if (current) clearSessionCookie(reply, ctx.cookies);
    return reply.status(204).send(null);
  });

  r.post('/api/v1/sessions/revoke-others', {
    schema: {
      operationId: 'revokeOtherSessions',
      tags: ['sessions'],
      summary: 'Sign out all other devices',
      description: 'Needs a recent authentication with the account’s strongest method: otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate).',
      security: cookieAuth,
      body: z.strictObject({}).nullish(),
      response: { 200: z.object({ revoked: z.number().int() }), ...errors(401, 403) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    return revokeOtherDevices(ctx.deps, auth, requestContext(request));
  });

  r.post('/api/v1/accounts', {
    schema: {
      operationId: 'createAccount',
      security: [{}, { sessionCookie: [] }],
      tags: ['accounts'],
      summary: 'Create an account',
      description: 'Self-service sign-up when registration is open (the new person is signed in); administrators may always create accounts and choose the role. A signed-in administrator acts as one: that needs a recent authentication with the account’s strongest method, otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate). '
        + 'A self-service sign-up may need a solved bot challenge in the Passdesk-Challenge header (PASSDESK_CHALLENGE); without one: 428 CHALLENGE_REQUIRED.',
      body: z.strictObject({
        email: emailInput,
        password: passwordInput,
        displayName: freeText('display name', { max: 100 }).optional(),
        role: z.enum(['user', 'helpdesk', 'admin']).optional(),
      }),
      response: { 201: z.object({ account: accountView }), ...errors(400, 403, 409, 413, 415, 428) },
    },
  }, async (request, reply) => {
    assertPasswordWithinLimit(request.body.password);
    const auth = await ctx.authenticate(request);
    const by = auth && auth.account.role === 'admin' ? ({ kind: 'admin', auth } as const) : ({ kind: 'self' } as const);
    // An administrator creating an account is signed in already; a stranger's sign-up may need a solved challenge.
    if (by.kind === 'self' && ctx.deps.config.registration === 'open') await passChallenge(ctx.deps, 'sign-up', apiProof(request), requestContext(request));
    const result = await registerAccount(ctx.deps, request.body, requestContext(request), by);
    if (result.signedIn) setSessionCookie(reply, ctx.cookies, result.signedIn.token);
    return reply.status(201).send({ account: toAccountView(result.account) });
  });

  r.post('/api/v1/password/change', {
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
  }, async (request, reply) => {
    const auth = await ctx.requireAuth(request);
    assertPasswordWithinLimit(request.body.currentPassword, request.body.newPassword);
    const result = await changePassword(ctx.deps, auth, request.body, requestContext(request));
    setSessionCookie(reply, ctx.cookies, result.token);
    return { signedOutSessions: result.signedOutSessions, session: toSessionView({ ...result.session, current: true }) };
  });
}
