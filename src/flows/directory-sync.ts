// The directory decides who may sign in: an entry that is deleted or disabled there must lose its Passdesk sessions
// too, not only its next sign-in. Every PASSDESK_DIRECTORY_SYNC_INTERVAL each node looks up the directory accounts
// that are signed in, a page at a time, and ends the sessions of those whose entry is gone or disabled; entries
// still there refresh the account's email, name and role. A directory that cannot be reached ends nothing (it is
// asked again next time): an outage of the directory must not sign everyone out.
//
// State: none of its own; per account:
//   signed in ──entry gone / disabled──▶ sessions ended ('directory-entry-ended'), event recorded
//             ──entry there──▶ account kept in step (email, name, role)
import { DirectoryUnavailableError } from '../directory/directory.js';
import { accountForEntry } from '../methods/directory-account.js';
import type { FlowDeps } from './deps.js';

const PAGE = 100;

export interface DirectorySyncResult {
  checked: number;
  ended: number;
  /** False when the directory could not be reached: the run stopped there. */
  complete: boolean;
}

export async function syncDirectoryAccounts(deps: FlowDeps): Promise<DirectorySyncResult> {
  const backend = deps.directory;
  const result: DirectorySyncResult = { checked: 0, ended: 0, complete: true };
  if (!backend) return result;
  let afterId: string | null = null;
  for (;;) {
    const now = deps.clock.now();
    const accounts = await deps.store.accounts.listSignedInDirectoryAccounts({ now, afterId, limit: PAGE });
    for (const account of accounts) {
      let entry: Awaited<ReturnType<typeof backend.directory.findEntryById>>;
      try {
        entry = await backend.directory.findEntryById(account.directoryId!);
      } catch (err) {
        if (err instanceof DirectoryUnavailableError) return { ...result, complete: false };
        throw err;
      }
      result.checked++;
      if (entry && !entry.disabled) {
        await accountForEntry(deps, backend, entry).catch(() => undefined);
        continue;
      }
      const ended = await deps.store.transaction(async (tx) => {
        const n = await tx.sessions.revokeOtherSessions(account.id, { exceptSessionId: null, now, reason: 'directory-entry-ended' });
        await tx.events.recordEvent({
          accountId: account.id,
          type: 'directory.entry_ended',
          now,
          detail: { entry: entry ? 'disabled' : 'gone', signedOutSessions: n },
        });
        return n;
      });
      if (ended > 0) result.ended++;
    }
    if (accounts.length < PAGE) return result;
    afterId = accounts[accounts.length - 1]!.id;
  }
}
