// Two-person approval through the API (issue 15): the requests waiting for a second administrator, one request, and
// approve / reject / cancel. The rules are the flows' (flows/help-desk/approvals.ts): the permission matrix
// (approvals.list, approval.approve, approval.reject, approval.cancel), step-up, a reason, never the requester nor
// the person the request is about, and the action run once, at the approval, with every check made again.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { approveRequest, cancelRequest, listApprovals, getApproval, rejectRequest, type ApprovedOutcome } from '../../flows/help-desk/approvals.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors } from '../shared/schemas.js';
import { actionResult, adminReasonBody, toResult } from './api.js';
import { approvalJson, toApprovalJson } from './approval-json.js';
import { removedFactor } from './caller-api.js';
import { deletedAccount, deletedAccountJson } from './delete-api.js';

const cookieAuth = [{ sessionCookie: [] }];
const TAGS = ['admin'];
const STEP_UP_DOC = {
  description:
    'Needs a recent authentication with the caller’s strongest method (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
};
const STEP_UP = STEP_UP_DOC.description;
const params = z.strictObject({ id: z.string().min(1).max(64) });
const STATES = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;

const outcomeJson = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('account'), ...actionResult.shape }),
    z.object({ kind: z.literal('temporary-password'), temporaryPassword: z.string(), expiresAt: z.string() }),
    z.object({ kind: z.literal('factor'), ...removedFactor.shape }),
    z.object({ kind: z.literal('deleted'), ...deletedAccount.shape }),
  ])
  .meta({
    id: 'AdminApprovedOutcome',
    description:
      'What the approved action did, as the action’s own route answers it: `account` (the account as it is now), `temporary-password` (shown to the approver this once), `factor`, or `deleted` (the person’s export, this once).',
  });

function outcomeOf(o: ApprovedOutcome): z.infer<typeof outcomeJson> {
  switch (o.kind) {
    case 'account':
      return { kind: 'account', ...toResult(o.result) };
    case 'temporary-password':
      return { kind: 'temporary-password', temporaryPassword: o.result.temporaryPassword, expiresAt: new Date(o.result.expiresAt).toISOString() };
    case 'factor':
      return { kind: 'factor', ...o.result };
    case 'deleted':
      return { kind: 'deleted', ...deletedAccountJson(o.result) };
  }
}

export async function approvalsApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const session = async (request: Parameters<HttpContext['requireAuth']>[0]) => ({ kind: 'session' as const, auth: await ctx.requireAuth(request) });

  r.get(
    '/api/v1/admin/approvals',
    {
      schema: {
        operationId: 'adminListApprovals',
        tags: TAGS,
        summary: 'Requests waiting for approval',
        description: `Two-person approval: requests newest first (up to 100), \`state\` (default pending; \`all\` for every state) and \`account\` narrow. An administrator sees every request; a help desk agent their own. Requests past their expiry are marked expired (and audited) first. ${STEP_UP}`,
        security: cookieAuth,
        querystring: z.strictObject({
          state: z.enum([...STATES, 'all']).default('pending'),
          account: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.object({ approvals: z.array(approvalJson) }), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { state, account } = request.query;
      const views = await listApprovals(ctx.deps, await session(request), {
        states: state === 'all' ? STATES : [state],
        ...(account ? { accountId: account } : {}),
      });
      return { approvals: views.map(toApprovalJson) };
    },
  );

  r.get(
    '/api/v1/admin/approvals/:id',
    {
      schema: {
        operationId: 'adminGetApproval',
        tags: TAGS,
        summary: 'One request for approval',
        description: `404 for an id the caller may not see (an agent sees only their own requests). ${STEP_UP}`,
        security: cookieAuth,
        params,
        response: { 200: z.object({ approval: approvalJson }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ approval: toApprovalJson(await getApproval(ctx.deps, await session(request), request.params.id)) }),
  );

  r.post(
    '/api/v1/admin/approvals/:id/approve',
    {
      schema: {
        operationId: 'adminApproveRequest',
        tags: TAGS,
        summary: 'Approve a request: the action takes effect now',
        description: `Administrators only; never the one who asked, never the person it is about (403). The action runs once, now, with every check made again on the accounts as they are (the requester must still be allowed it: else 403 and the request stays pending, to be rejected); recorded as admin.approval.approve and as the action’s own event naming both; the person is told as the action tells them and the requester is emailed. 409 APPROVAL_NOT_PENDING when it was decided or cancelled meanwhile (of two approvers at once, one wins), 409 APPROVAL_EXPIRED after its window. A temporary password or a deleted account’s export is in \`outcome\`, shown to the approver this once (Cache-Control: no-store). ${STEP_UP}`,
        security: cookieAuth,
        params,
        body: adminReasonBody,
        response: { 200: z.object({ approval: approvalJson, outcome: outcomeJson }), ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const done = await approveRequest(ctx.deps, await session(request), { id: request.params.id, why: request.body, ctx: requestContext(request) });
      reply.header('cache-control', 'no-store');
      return { approval: toApprovalJson(done.approval), outcome: outcomeOf(done.outcome) };
    },
  );

  r.post(
    '/api/v1/admin/approvals/:id/reject',
    {
      schema: {
        operationId: 'adminRejectRequest',
        tags: TAGS,
        summary: 'Reject a request: nothing changes',
        description: `Administrators only; never the one who asked (they cancel) nor the person it is about. Recorded as admin.approval.reject; the requester is emailed. 409 when it is no longer pending or expired. ${STEP_UP}`,
        security: cookieAuth,
        params,
        body: adminReasonBody,
        response: { 200: z.object({ approval: approvalJson }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      approval: toApprovalJson(
        await rejectRequest(ctx.deps, await session(request), { id: request.params.id, why: request.body, ctx: requestContext(request) }),
      ),
    }),
  );

  r.post(
    '/api/v1/admin/approvals/:id/cancel',
    {
      schema: {
        operationId: 'adminCancelRequest',
        tags: TAGS,
        summary: 'Cancel your own request',
        description: `Only the one who asked (403 otherwise; an administrator rejects instead). Recorded as admin.approval.cancel. 409 when it is no longer pending or expired. ${STEP_UP}`,
        security: cookieAuth,
        params,
        body: adminReasonBody,
        response: { 200: z.object({ approval: approvalJson }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      return { approval: toApprovalJson(await cancelRequest(ctx.deps, auth, { id: request.params.id, why: request.body, ctx: requestContext(request) })) };
    },
  );
}
