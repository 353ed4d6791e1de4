// The help desk's caller verification and the actions that need a verified caller (issue 15): a code sent to the
// person and read back (or their authenticator app's code), a temporary password, a second factor removed. Every
// route goes through flows/help-desk/ (the permission matrix, step-up, reason, audit, notice).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { confirmCaller, sendCallerCode } from '../../flows/help-desk/caller.js';
import { removeFactorForCaller } from '../../flows/help-desk/factors.js';
import { issueTemporaryPassword } from '../../flows/help-desk/temporary-password.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { adminReasonBody } from './api.js';
import { errors } from '../shared/schemas.js';
import { APPROVAL_NOTE, approvalAccepted, sendPending } from './approval-json.js';
import { ApprovalPending } from '../../flows/help-desk/approval-request.js';

const cookieAuth = [{ sessionCookie: [] }];
const iso = (ms: number): string => new Date(ms).toISOString();

const accountParams = z.strictObject({ id: z.string().min(1).max(64) });
// The reason is one line here too, as on every other action (http/admin/api.ts): it reaches the audit log and its export.
const reasonBody = adminReasonBody;

export const removedFactor = z.object({ type: z.enum(['totp', 'passkey', 'recovery_codes']), remaining: z.number().int() }).meta({ id: 'AdminRemovedFactor' });

export async function callerApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/admin/accounts/:id/caller-verification',
    {
      schema: {
        operationId: 'startCallerVerification',
        tags: ['admin'],
        summary: 'Send the person a code for the caller to read back',
        description: `Emails an 8-digit code, valid 10 minutes, to the person's address and verified recovery address. Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).`,
        security: cookieAuth,
        params: accountParams,
        body: z.strictObject({ method: z.literal('email-code') }),
        response: { 202: z.object({ expiresAt: z.string() }), ...errors(400, 401, 403, 404, 415) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const sent = await sendCallerCode(ctx.deps, auth, request.params.id, requestContext(request));
      return reply.status(202).send({ expiresAt: iso(sent.expiresAt) });
    },
  );

  r.post(
    '/api/v1/admin/accounts/:id/caller-verification/confirm',
    {
      schema: {
        operationId: 'confirmCallerVerification',
        tags: ['admin'],
        summary: 'Confirm the caller with the code they read back',
        description: `method 'email-code' (default): the code just emailed; 'totp': the current code of the person's authenticator app. Wrong codes are counted and audited (400 CALLER_CODE_INVALID; 429 past the limit). Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).`,
        security: cookieAuth,
        params: accountParams,
        body: z.strictObject({ method: z.enum(['email-code', 'totp']).default('email-code'), code: z.string().min(1).max(16) }),
        response: { 200: z.object({ verifiedUntil: z.string() }), ...errors(400, 401, 403, 404, 415, 429) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      const { verifiedUntil } = await confirmCaller(ctx.deps, auth, { accountId: request.params.id, ...request.body }, requestContext(request));
      return { verifiedUntil: iso(verifiedUntil) };
    },
  );

  r.post(
    '/api/v1/admin/accounts/:id/temporary-password',
    {
      schema: {
        operationId: 'issueTemporaryPassword',
        tags: ['admin'],
        summary: 'Set a temporary password (shown once)',
        description: `Single use, expires in 24 hours, and the person must choose a new password at the sign-in with it. Every session of the person ends; the person is told by email (without the password). Needs a caller verified by this agent within 15 minutes (else 403 CALLER_NOT_VERIFIED). ${APPROVAL_NOTE} The password is then made at the approval and shown to the approving administrator only. Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).`,
        security: cookieAuth,
        params: accountParams,
        body: reasonBody,
        response: {
          200: z.object({ temporaryPassword: z.string(), expiresAt: z.string() }),
          202: approvalAccepted,
          ...errors(400, 401, 403, 404, 409, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const issued = await issueTemporaryPassword(
        ctx.deps,
        { kind: 'session', auth },
        { accountId: request.params.id, why: request.body, ctx: requestContext(request) },
      );
      if (issued instanceof ApprovalPending) return sendPending(reply, issued);
      // Shown once: no cache may keep it.
      reply.header('cache-control', 'no-store');
      return { temporaryPassword: issued.temporaryPassword, expiresAt: iso(issued.expiresAt) };
    },
  );

  const factorRoute = {
    schema: {
      tags: ['admin'],
      summary: "Remove one of the person's second factors",
      description: `factorId: an authenticator app's or a passkey's id, or 'recovery-codes' for all recovery codes. The person is told at every address. Needs a caller verified by this agent within 15 minutes (else 403 CALLER_NOT_VERIFIED); the person's last app or passkey only for a caller verified by their authenticator app's code (else 403 CALLER_VERIFICATION_TOO_WEAK: an emailed code proves the mailbox, which a reset proves already) — with two-person approval on, such a removal waits for a second administrator instead (202), the recovery path for a person who lost every factor. ${APPROVAL_NOTE} Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).`,
      security: cookieAuth,
      params: z.strictObject({ id: z.string().min(1).max(64), factorId: z.string().min(1).max(64) }),
      body: reasonBody,
      response: { 200: removedFactor, 202: approvalAccepted, ...errors(400, 401, 403, 404, 409, 415) },
    },
  };
  const removeFactor = async (
    request: { params: { id: string; factorId: string }; body: z.infer<typeof reasonBody> } & Parameters<typeof requestContext>[0],
    reply: FastifyReply,
  ) => {
    const auth = await ctx.requireAuth(request);
    const removed = await removeFactorForCaller(
      ctx.deps,
      { kind: 'session', auth },
      { accountId: request.params.id, factorId: request.params.factorId, why: request.body, ctx: requestContext(request) },
    );
    return removed instanceof ApprovalPending ? sendPending(reply, removed) : removed;
  };
  r.delete('/api/v1/admin/accounts/:id/factors/:factorId', { schema: { ...factorRoute.schema, operationId: 'removeAccountFactor' } }, removeFactor);
  r.post('/api/v1/admin/accounts/:id/factors/:factorId/remove', { schema: { ...factorRoute.schema, operationId: 'removeAccountFactorByPost' } }, removeFactor);
}
