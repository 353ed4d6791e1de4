// Which emails exist. Their words live in the catalog (core/i18n/catalogs/en.ts) under
// `email.<code>.subject|headline|body|ifNotYou` and `email.common.*`; mail/templates.ts lays them out and
// escapes everything a person typed. A notice is added here with the flow that sends it (none waits unsent).
import { MESSAGE_IDS, type MessageId } from './i18n/translator.js';
import { en } from './i18n/catalogs/en.js';

export const NOTICE_CODES = [
  'password-changed',
  'password-reset-requested',
  'password-reset-completed',
  'new-device-sign-in',
  'second-factor-added',
  'second-factor-removed',
  'recovery-codes-regenerated',
  'recovery-code-used',
  'security-questions-changed',
  'account-locked',
  'password-expiring',
  'recovery-email-verification',
  'recovery-email-added',
  'recovery-email-removed',
  'anti-phishing-phrase-changed',
  'account-reported',
  // The help desk (flows/help-desk/accounts.ts).
  'account-changed-by-admin',
  'account-disabled-by-admin',
  'account-deleted-by-admin',
  // Help desk (flows/help-desk/).
  'caller-verification-code',
  'temporary-password-issued',
  // Sign-up and address confirmation (flows/sign-up.ts, flows/register.ts).
  'sign-up-confirmation',
  'sign-up-existing-account',
  'account-email-confirmation',
  // The monthly security checkup (flows/checkup.ts).
  'security-checkup-reminder',
  // A change of sign-in address (flows/change-email.ts).
  'email-change-verification',
  'email-change-address-taken',
  'email-changed',
  // The person's own deletion (flows/account-data.ts).
  'account-deletion-scheduled',
  'account-deletion-cancelled',
  'account-deleted',
  // Two-person approval (flows/help-desk/approval-request.ts, approvals.ts).
  'approval-requested',
  'approval-pending',
  'approval-decided',
] as const;
export type NoticeCode = (typeof NOTICE_CODES)[number];

/** The ids of one email's sentences. */
export interface NoticeText {
  subject: MessageId;
  /** What happened, in one sentence. */
  headline: MessageId;
  /** More about it. */
  body: MessageId;
  /** What to do if it was not the person. Absent for messages that are not about something done to the account. */
  ifNotYou?: MessageId;
}

/** The ids of a notice's sentences; the type check fails when the catalog lacks one. */
export function noticeText(code: NoticeCode): NoticeText {
  const ifNotYou = `email.${code}.ifNotYou`;
  return {
    subject: `email.${code}.subject` satisfies MessageId,
    headline: `email.${code}.headline` satisfies MessageId,
    body: `email.${code}.body` satisfies MessageId,
    ...((MESSAGE_IDS as readonly string[]).includes(ifNotYou) ? { ifNotYou: ifNotYou as MessageId } : {}),
  };
}

function englishText(code: NoticeCode): { subject: string; headline: string; body: string; ifNotYou?: string } {
  const ids = noticeText(code);
  return { subject: en[ids.subject], headline: en[ids.headline], body: en[ids.body], ...(ids.ifNotYou ? { ifNotYou: en[ids.ifNotYou] } : {}) };
}

/** The English source text (ICU, unformatted) of every email, as tests and tools read it. */
export const emailText = {
  notices: Object.fromEntries(NOTICE_CODES.map((code) => [code, englishText(code)])) as Record<NoticeCode, ReturnType<typeof englishText>>,
  common: {
    greeting: en['email.common.greeting'],
    phraseLabel: en['email.common.phraseLabel'],
    phraseHelp: en['email.common.phraseHelp'],
    detailsHeading: en['email.common.detailsHeading'],
    when: en['email.common.when'],
    device: en['email.common.device'],
    ip: en['email.common.ip'],
    unknown: en['email.common.unknown'],
    notYouButton: en['email.common.notYouButton'],
    securityLink: en['email.common.securityLink'],
    support: en['email.common.support'],
    footer: en['email.common.footer'],
    recoveryCopy: en['email.common.recoveryCopy'],
  },
} as const;
