// What flows call: queue a rendered security notice, in the flow's transaction, to every address that
// should have it — the account's primary address and, once verified, its recovery address (so a reset code
// reaches a person locked out of their mailbox). Messages for one other address (the new address after an
// email change, a recovery address waiting for its code) name it with `onlyTo`.
import type { Repositories } from '../store/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { SecretBox } from '../core/secret-box.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { queueMessage, type QueuedMessage } from './queue.js';
import { DEFAULT_LOCALE, translator, type Translator } from '../core/i18n/translator.js';
import { NOT_ME_NOTICES, renderNotice, type MailBranding, type Notice, type NoticeOrigin } from './templates.js';

/** How long a "This wasn't me" link works unless configured (a notice may be read days later). */
export const NOT_ME_TOKEN_TTL_MS = 7 * 86_400_000;

/** What a flow needs for mail (FlowDeps.mail); built in app.ts. */
export interface MailDeps {
  branding: MailBranding;
  /** Right-hand side of Message-IDs. */
  messageIdDomain: string;
  /** Seals message bodies at rest (mail/sealed-body.ts). */
  bodies: SecretBox;
  /** Lifetime of "This wasn't me" links (default NOT_ME_TOKEN_TTL_MS). */
  notMeTokenTtlMs?: number | undefined;
  /** The organisation's language (config defaultLanguage): emails to people who chose none. Absent: English. */
  defaultLanguage?: string | undefined;
}

export interface NoticeAccount {
  id: string;
  email: string;
  displayName: string;
  /** The language the person chose, or null: the email is in the organisation's language. */
  locale: string | null;
}

/**
 * The recipient's language decides, never the language of whoever caused the email (a help desk agent, a stranger
 * signing up with the address): the person's saved language, else the organisation's.
 */
export function recipientTranslator(mail: Pick<MailDeps, 'defaultLanguage'>, locale: string | null): Translator {
  return translator(locale ?? mail.defaultLanguage ?? DEFAULT_LOCALE);
}

export async function queueNotice(
  tx: Pick<Repositories, 'outbox' | 'mailPreferences' | 'notMe'>,
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
    // Each copy of a security notice carries its own one-time "This wasn't me" link, bound to this
    // account and this message; only the token's hash is kept.
    let notMeToken: string | undefined;
    if (NOT_ME_NOTICES.has(o.notice.code)) {
      notMeToken = generateToken(deps.random);
      const now = deps.clock.now();
      await tx.notMe.issueNotMeToken({
        id: deps.random.uuid(),
        accountId: o.account.id,
        tokenHash: hashToken(notMeToken),
        outboxId: id,
        notice: o.notice.code,
        eventAt: origin.at,
        eventIp: origin.ip,
        eventDevice: origin.device,
        now,
        expiresAt: now + (mail.notMeTokenTtlMs ?? NOT_ME_TOKEN_TTL_MS),
      });
    }
    const content = renderNotice(mail.branding, {
      notice: o.notice,
      origin,
      outboxId: id,
      notMeToken,
      translator: recipientTranslator(mail, o.account.locale),
      recipient: {
        displayName: o.account.displayName,
        accountEmail: o.account.email,
        antiPhishingPhrase: prefs.antiPhishingPhrase,
        recoveryCopy: r.recoveryCopy,
      },
    });
    queued.push(
      await queueMessage(
        tx,
        { clock: deps.clock, random: deps.random, messageIdDomain: mail.messageIdDomain, bodies: mail.bodies },
        {
          id,
          to: r.to,
          accountId: o.account.id,
          template: o.notice.code,
          content,
        },
      ),
    );
  }
  return queued;
}

/**
 * A message to the organisation's help desk about an account (not to the person): no anti-phishing
 * phrase of the account, no "This wasn't me" link.
 */
export async function queueHelpDeskNotice(
  tx: Pick<Repositories, 'outbox'>,
  deps: { clock: Clock; random: Random; mail?: MailDeps | undefined },
  o: { to: string; account: NoticeAccount; notice: Notice; origin: Omit<NoticeOrigin, 'at'> & { at?: number } },
): Promise<QueuedMessage | null> {
  const mail = deps.mail;
  if (!mail) return null;
  const id = deps.random.uuid();
  const content = renderNotice(mail.branding, {
    notice: o.notice,
    origin: { at: o.origin.at ?? deps.clock.now(), device: o.origin.device, ip: o.origin.ip },
    outboxId: id,
    // The help desk is the organisation: its language, whatever the account's.
    translator: recipientTranslator(mail, null),
    recipient: {
      displayName: recipientTranslator(mail, null).t('email.common.helpDeskName'),
      accountEmail: o.account.email,
      antiPhishingPhrase: null,
      recoveryCopy: false,
    },
  });
  return queueMessage(
    tx,
    { clock: deps.clock, random: deps.random, messageIdDomain: mail.messageIdDomain, bodies: mail.bodies },
    {
      id,
      to: o.to,
      accountId: o.account.id,
      template: o.notice.code,
      content,
    },
  );
}

/**
 * A message to an address no account has yet (a sign-up's confirmation): no phrase, no recovery copy, no
 * "This wasn't me" link, and no account on the outbox row. The greeting names the address, not a name typed by
 * whoever signed up (a stranger's text must not reach someone else's inbox).
 */
export async function queueNoticeToAddress(
  tx: Pick<Repositories, 'outbox'>,
  deps: { clock: Clock; random: Random; mail?: MailDeps | undefined },
  o: { to: string; notice: Notice; origin: Omit<NoticeOrigin, 'at'> & { at?: number }; locale: string | null },
): Promise<QueuedMessage | null> {
  const mail = deps.mail;
  if (!mail) return null;
  const id = deps.random.uuid();
  const content = renderNotice(mail.branding, {
    notice: o.notice,
    origin: { at: o.origin.at ?? deps.clock.now(), device: o.origin.device, ip: o.origin.ip },
    outboxId: id,
    translator: recipientTranslator(mail, o.locale),
    recipient: { displayName: o.to, accountEmail: o.to, antiPhishingPhrase: null, recoveryCopy: false },
  });
  return queueMessage(
    tx,
    { clock: deps.clock, random: deps.random, messageIdDomain: mail.messageIdDomain, bodies: mail.bodies },
    { id, to: o.to, accountId: null, template: o.notice.code, content },
  );
}
