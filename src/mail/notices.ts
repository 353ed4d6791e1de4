// What flows call: queue a rendered security notice, in the flow's transaction, to every address that
// should have it — the account's primary address and, once verified, its recovery address (so a reset code
// reaches a person locked out of their mailbox). Messages for one other address (the new address after an
// email change, a recovery address waiting for its code) name it with `onlyTo`.
import type { Repositories } from '../store/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { queueMessage, type QueuedMessage } from './queue.js';
import { renderNotice, type MailBranding, type Notice, type NoticeOrigin } from './templates.js';

/** What a flow needs for mail (FlowDeps.mail); built in app.ts. */
export interface MailDeps {
  branding: MailBranding;
  /** Right-hand side of Message-IDs. */
  messageIdDomain: string;
}

export interface NoticeAccount {
  id: string;
  email: string;
  displayName: string;
}

export async function queueNotice(
  tx: Pick<Repositories, 'outbox' | 'mailPreferences'>,
  deps: { clock: Clock; random: Random; mail?: MailDeps | undefined },
  o: { account: NoticeAccount; notice: Notice; origin: Omit<NoticeOrigin, 'at'> & { at?: number }; onlyTo?: string },
): Promise<QueuedMessage[]> {
  const mail = deps.mail;
  if (!mail) return [];
  // The phrase shown at the top of every email, and the verified recovery address.
  const prefs = await tx.mailPreferences.getMailPreferences(o.account.id);
  const recipients: Array<{ to: string; recoveryCopy: boolean }> = o.onlyTo
    ? [{ to: o.onlyTo, recoveryCopy: false }]
    : [{ to: o.account.email, recoveryCopy: false }, ...(prefs.recoveryEmail ? [{ to: prefs.recoveryEmail, recoveryCopy: true }] : [])];
  const origin: NoticeOrigin = { at: o.origin.at ?? deps.clock.now(), device: o.origin.device, ip: o.origin.ip };
  const queued: QueuedMessage[] = [];
  for (const r of recipients) {
    const id = deps.random.uuid();
    const content = renderNotice(mail.branding, {
      notice: o.notice,
      origin,
      outboxId: id,
      recipient: { displayName: o.account.displayName, accountEmail: o.account.email, antiPhishingPhrase: prefs.antiPhishingPhrase, recoveryCopy: r.recoveryCopy },
    });
    queued.push(await queueMessage(tx, { clock: deps.clock, random: deps.random, messageIdDomain: mail.messageIdDomain }, {
      id, to: r.to, accountId: o.account.id, template: o.notice.code, content,
    }));
  }
  return queued;
}
