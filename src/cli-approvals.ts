// `passdesk approval list|approve|reject`: two-person approval from the operator's shell (issue 15). The operator
// at the command line is trusted as for every `passdesk user …` command (they hold the database and the server
// secret): they may approve or reject a request an agent made in the console, audited with the operator as
// approver (`via: cli`). Their own `passdesk user …` actions never wait for approval: the command line is the
// break-glass path, and its events say so (`approval: 'bypassed'`).
import { parseArgs } from 'node:util';
import type { FlowDeps } from './flows/deps.js';
import type { Approver } from './flows/help-desk/action.js';
import { approveRequest, listApprovals, rejectRequest, type ApprovalView, type ApprovedOutcome } from './flows/help-desk/approvals.js';

export const APPROVAL_USAGE = `  approval list [--all] [--json]
                                Requests waiting for a second administrator (two-person approval);
                                --all: every state, newest first.
  approval approve|reject ID --reason TEXT [--ticket T]
                                Decide a request as the operator: approve runs the action now (a
                                temporary password or a deleted account's export is printed once).`;

interface Io {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

type WithDeps = <T>(fn: (deps: FlowDeps) => Promise<T>, o?: { admin?: boolean }) => Promise<T>;

const OPERATOR: Approver = { kind: 'cli', label: 'cli' };
const CTX = { ip: null, userAgent: 'passdesk-cli' };

function line(v: ApprovalView): string {
  const params = Object.entries(v.params)
    .map(([k, val]) => ` ${k}=${val}`)
    .join('');
  return `${v.id}  ${v.state.padEnd(9)} ${v.action}${params} on ${v.account.email} (${v.account.role}) asked by ${v.requestedBy.email}; until ${new Date(v.expiresAt).toISOString()}; reason: ${v.reason}${v.ticket ? ` (${v.ticket})` : ''}`;
}

function printOutcome(io: Io, o: ApprovedOutcome): void {
  if (o.kind === 'temporary-password') {
    io.stdout(`Temporary password (single use, until ${new Date(o.result.expiresAt).toISOString()}):`);
    io.stdout(o.result.temporaryPassword);
  } else if (o.kind === 'deleted') {
    io.stdout(JSON.stringify({ reference: o.result.reference, directory: o.result.directory, export: o.result.export }, null, 2));
  } else if (o.kind === 'factor') {
    io.stdout(`Removed a ${o.result.type}; ${o.result.remaining} second factor(s) left.`);
  } else {
    io.stdout(`The account is now ${o.result.account.status}, role ${o.result.account.role}.`);
  }
}

export async function approvalCommand(argv: string[], io: Io, withDeps: WithDeps): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    const { values } = parseArgs({
      args: rest,
      options: { all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      strict: true,
    });
    return withDeps(
      async (deps) => {
        const states = values.all ? (['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const) : (['pending'] as const);
        const views = await listApprovals(deps, OPERATOR, { states });
        if (values.json) io.stdout(JSON.stringify(views, null, 2));
        else if (views.length === 0) io.stdout(values.all ? 'No requests.' : 'No request waits for approval.');
        else for (const v of views) io.stdout(line(v));
        return 0;
      },
      { admin: true },
    );
  }
  if (sub !== 'approve' && sub !== 'reject') {
    io.stderr(`passdesk: unknown approval command "${sub ?? ''}"\n\nUsage:\n${APPROVAL_USAGE}`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { reason: { type: 'string' }, ticket: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const id = positionals[0];
  if (!id || positionals.length > 1 || !values.reason) {
    io.stderr(`passdesk: approval ${sub} needs an ID and --reason`);
    return 2;
  }
  const why = { reason: values.reason, ticket: values.ticket };
  return withDeps(
    async (deps) => {
      if (sub === 'reject') {
        const v = await rejectRequest(deps, OPERATOR, { id, why, ctx: CTX });
        io.stdout(`Rejected: ${line(v)}; recorded in the audit log.`);
        return 0;
      }
      const done = await approveRequest(deps, OPERATOR, { id, why, ctx: CTX });
      io.stderr(`Approved: ${line(done.approval)}; it took effect and is recorded in the audit log.`);
      printOutcome(io, done.outcome);
      return 0;
    },
    { admin: true },
  );
}
