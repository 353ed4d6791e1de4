// Two-person approval in the API's JSON (issue 15): a request as every admin route answers it — 202 from an action
// that waits for a second administrator, and the /api/v1/admin/approvals routes (./approvals-api.ts).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { APPROVABLE_ACTIONS } from '../../core/admin-permissions.js';
import type { ApprovalPending, ApprovalView } from '../../flows/help-desk/approval-request.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const person = z.object({ id: z.string(), email: z.string(), displayName: z.string() });

export const approvalJson = z
  .object({
    id: z.string(),
    action: z.enum(APPROVABLE_ACTIONS as [string, ...string[]]).meta({ description: 'The action that waits (the permission matrix’s name).' }),
    params: z.record(z.string(), z.string()).meta({ description: 'What the action needs besides the account: `role` (role.set), `factorId` (factor.remove).' }),
    reason: z.string(),
    ticket: z.string().nullable(),
    state: z.enum(['pending', 'approved', 'rejected', 'cancelled', 'expired']),
    createdAt: z.string(),
    expiresAt: z.string().meta({ description: 'After this a pending request can no longer be approved (PASSDESK_ADMIN_APPROVAL_WINDOW).' }),
    account: person.extend({ role: z.enum(['user', 'helpdesk', 'admin']) }),
    requestedBy: person,
    decidedBy: person
      .nullable()
      .meta({ description: 'Who approved, rejected or cancelled; null while pending, when expired, or by the command line or "This wasn’t me".' }),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
    decisionTicket: z.string().nullable(),
    mayDecide: z.boolean().meta({ description: 'The caller may approve or reject it now.' }),
    mayCancel: z.boolean().meta({ description: 'The caller asked for it and may cancel it now.' }),
  })
  .meta({ id: 'AdminApproval' });

/** What an action answers when it waits for a second administrator instead of taking effect. */
export const approvalAccepted = z
  .object({ approval: approvalJson })
  .meta({ id: 'AdminApprovalAccepted', description: 'Two-person approval: the action waits as this request until a second administrator approves it.' });

export function toApprovalJson(v: ApprovalView): z.infer<typeof approvalJson> {
  return {
    ...v,
    createdAt: new Date(v.createdAt).toISOString(),
    expiresAt: new Date(v.expiresAt).toISOString(),
    decidedAt: iso(v.decidedAt),
  };
}

/** The 202 answer of an action that became a request. */
export function sendPending(reply: FastifyReply, pending: ApprovalPending): FastifyReply {
  return reply.status(202).send({ approval: toApprovalJson(pending.approval) });
}

/** What every approvable route's description adds (an OpenAPI description, for developers). */
const APPROVAL_DOC = {
  description:
    'With two-person approval on (PASSDESK_ADMIN_APPROVAL) and a privileged account, nothing changes yet: 202 with the request, which takes effect when a second administrator approves it (POST /api/v1/admin/approvals/{id}/approve).',
};
export const APPROVAL_NOTE = APPROVAL_DOC.description;
