// What the dev mailbox's API and pages read: the outbox, its sealed bodies opened for display.
import { PassdeskError } from '../../core/errors.js';
import type { SecretBox } from '../../core/secret-box.js';
import { openForDisplay, type OpenedOutboxMessage } from '../../mail/sealed-body.js';
import type { Store } from '../../store/index.js';

/** What the dev mailbox reads: the outbox, and the key that opens its sealed bodies. */
export interface DevMailbox {
  store: Pick<Store, 'outbox'>;
  bodies: SecretBox;
}

/** One message, opened; 404 when there is none. */
export async function findMessage(mailbox: DevMailbox, id: string): Promise<OpenedOutboxMessage> {
  const m = await mailbox.store.outbox.findMessage(id);
  if (!m) throw new PassdeskError('NOT_FOUND');
  return openForDisplay(mailbox.bodies, m);
}

/** The newest messages, opened. */
export async function listMessages(mailbox: DevMailbox, o: { limit: number; to?: string }): Promise<OpenedOutboxMessage[]> {
  return (await mailbox.store.outbox.listMessages(o)).map((m) => openForDisplay(mailbox.bodies, m));
}
