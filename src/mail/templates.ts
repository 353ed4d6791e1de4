// HTML and plain-text emails for every security notice. The words live in the catalog
// (core/i18n/catalogs/en.ts, `email.*`), formatted for the reader's language by the Translator passed in;
// here they are laid out. Everything a person or a device supplied (names, device descriptions, the phrase)
// is escaped in the HTML part; header values lose line breaks. Never a password in any of it.
import { deviceNameIn } from '../core/device.js';
import { NOTICE_CODES as CODES, noticeText, type NoticeCode } from '../core/email-text.js';
import { translator, type MessageId, type MessageValue, type Translator } from '../core/i18n/translator.js';
import { escapeHtml } from '../web/html.js';
import type { RenderedMail } from './queue.js';
import type { AdminAction, Role } from '../core/admin-permissions.js';
import {
  cancelDeletionLink,
  changePasswordLink,
  checkupSettingsLink,
  confirmEmailLink,
  consoleAccountLink,
  emailChangeLink,
  notMeLink,
  resetLink,
  resetPageLink,
  securityLink,
  signInLink,
  type LinkSettings,
} from './links.js';
import { checkupText, type CheckupItem } from '../core/checkup.js';
import { telUri, type SupportContact } from '../core/support-contact.js';

export interface MailBranding extends LinkSettings {
  organizationName: string;
  /** PASSDESK_SUPPORT_CONTACT's free text. */
  supportContact?: string | undefined;
  /** The help desk's contact in parts (src/look.ts); its `text` wins over supportContact. */
  support?: SupportContact | null | undefined;
  /** An absolute image URL shown at the top of the HTML part (the logo on PASSDESK_BASE_URL, or PASSDESK_MAIL_LOGO_URL). */
  logoUrl?: string | undefined;
  /** The action button's colour (PASSDESK_PRIMARY_COLOR, checked for contrast with white text at start). */
  primaryColor?: string | undefined;
  privacyUrl?: string | null | undefined;
  termsUrl?: string | null | undefined;
}

/** The button's colour when the organisation chose none (app.css's --accent). */
const DEFAULT_PRIMARY = '#1f5fd1';

/** The contact the email ends with, or null when none is configured. */
function supportOf(b: MailBranding): SupportContact | null {
  const s: SupportContact = { ...b.support, text: b.support?.text ?? b.supportContact };
  return s.email || s.phone || s.url || s.text ? s : null;
}

/** The email's last lines: how to reach the help desk ("Need help? …", then each way and the hours). */
function supportLines(t: Translator, s: SupportContact): string[] {
  return [
    t.format('email.common.support', { support: s.text ?? '' }).trim(),
    s.email ? t.format('email.common.supportEmail', { email: s.email }) : '',
    s.phone ? t.format('email.common.supportPhone', { phone: s.phone }) : '',
    s.url ? t.format('email.common.supportUrl', { url: s.url }) : '',
    s.hours ? t.format('email.common.supportHours', { hours: s.hours }) : '',
  ].filter(Boolean);
}

/** The same, in HTML: the email as a mailto: link, the phone as tel:, the URL as a link. */
function supportHtml(t: Translator, s: SupportContact): string {
  const e = escapeHtml;
  const a = (href: string, text: string): string => `<a href="${e(href)}" style="color:#1d2330;">${e(text)}</a>`;
  const lines = [
    `<strong>${e(t.format('email.common.support', { support: s.text ?? '' }).trim())}</strong>`,
    s.email ? a(`mailto:${s.email}`, t.format('email.common.supportEmail', { email: s.email })) : '',
    s.phone ? a(telUri(s.phone), t.format('email.common.supportPhone', { phone: s.phone })) : '',
    s.url ? a(s.url, t.format('email.common.supportUrl', { url: s.url })) : '',
    s.hours ? e(t.format('email.common.supportHours', { hours: s.hours })) : '',
  ].filter(Boolean);
  return `<p id="support" style="font-size:14px;border-top:1px solid #d8dce3;padding-top:12px;margin-top:16px;">${lines.join('<br>')}</p>`;
}

/** The privacy notice and terms, as "Privacy: https://…" lines (text) or links (HTML). */
function legalLinks(t: Translator, b: MailBranding): Array<{ label: string; url: string }> {
  const links: Array<{ label: string; url: string }> = [];
  if (b.privacyUrl) links.push({ label: t.t('email.common.privacy'), url: b.privacyUrl });
  if (b.termsUrl) links.push({ label: t.t('email.common.terms'), url: b.termsUrl });
  return links;
}

/** Why a reset email is sent: each says something different about what happened and what to do. */
export type ResetSituation = 'requested' | 'reported' | 'helpDesk';

/** Each notice with the facts its text needs. */
export type Notice =
  | { code: 'password-changed'; signedOutOthers: boolean }
  /**
   * A reset link and code. `situation` words it: the person asked (`requested`), "This wasn't me" just blocked the
   * password (`reported`), or the help desk sent it (`helpDesk`).
   */
  | { code: 'password-reset-requested'; resetToken: string; resetCode: string; minutes: number; situation: ResetSituation }
  | { code: 'password-reset-completed' }
  | { code: 'new-device-sign-in' }
  | { code: 'second-factor-added' | 'second-factor-removed'; method: string }
  | { code: 'recovery-codes-regenerated' }
  | { code: 'recovery-code-used' }
  | { code: 'security-questions-changed' }
  /** Too many wrong passwords (flows/sign-in.ts): `attempts` in a row; untrusted browsers wait until `until` or a reset. */
  | { code: 'account-locked'; attempts: number; until: number }
  | { code: 'password-expiring'; days: number; expiresAt: number }
  | { code: 'recovery-email-verification'; verificationCode: string; minutes: number }
  | { code: 'recovery-email-added' | 'recovery-email-removed'; recoveryEmail: string }
  | { code: 'anti-phishing-phrase-changed'; set: boolean }
  | { code: 'account-reported'; about: string }
  /** The help desk changed the account (flows/help-desk/accounts.ts); the agent's reason is shown. */
  | { code: 'account-changed-by-admin'; change: 'requireChange' | 'unlock' | 'enable' | 'signOut' | 'role'; reason: string; ticket: string | null; role?: Role }
  | { code: 'account-disabled-by-admin'; reason: string; ticket: string | null }
  /** Sent before the account's data is deleted (flows/help-desk/delete-account.ts); the last message Passdesk sends. */
  | { code: 'account-deleted-by-admin'; reason: string; ticket: string | null }
  // Help desk (flows/help-desk/): the code a caller reads back; a temporary password set (never the password).
  | { code: 'caller-verification-code'; verificationCode: string; minutes: number }
  | { code: 'temporary-password-issued'; expiresAt: number }
  // Sign-up (flows/sign-up.ts) and an administrator's unconfirmed account (flows/register.ts): a link and a code.
  | { code: 'sign-up-confirmation' | 'account-email-confirmation'; token: string; confirmationCode: string; hours: number }
  /** Someone tried to sign up with the address of this account. */
  | { code: 'sign-up-existing-account' }
  /** The monthly checkup (flows/checkup.ts): the items that need attention. */
  | { code: 'security-checkup-reminder'; items: ReadonlyArray<Pick<CheckupItem, 'id' | 'reason' | 'count'>> }
  // A change of sign-in address (flows/change-email.ts): the link and code to the new address; to an address in use,
  // a message that names nobody; to the old address, the change with "This wasn't me" (which puts it back).
  | { code: 'email-change-verification'; token: string; verificationCode: string; minutes: number; newEmail: string }
  | { code: 'email-change-address-taken' }
  | { code: 'email-changed'; newEmail: string; restoreDays: number }
  // The person's own deletion (flows/account-data.ts): scheduled (with the cancel link), cancelled, done.
  | { code: 'account-deletion-scheduled'; cancelToken: string; dueAt: number }
  | { code: 'account-deletion-cancelled' }
  | { code: 'account-deleted'; requestedAt: number }
  // Two-person approval (flows/help-desk/approval-request.ts, approvals.ts): to the administrators who may approve; to
  // the person whose account a request is about; to the requester once it was decided or expired.
  | {
      code: 'approval-requested';
      action: AdminAction;
      accountId: string;
      target: string;
      requester: string;
      reason: string;
      ticket: string | null;
      expiresAt: number;
    }
  | { code: 'approval-pending'; action: AdminAction; reason: string; ticket: string | null; expiresAt: number }
  | { code: 'approval-decided'; decision: 'approved' | 'rejected' | 'expired'; action: AdminAction; target: string; reason: string; ticket: string | null };

/**
 * The notices that tell a person something happened to their account: each carries a one-time
 * "This wasn't me" link. Not the messages the person asked for just now (a reset email, an address
 * check: "this wasn't me" on a reset email would only send another), nor advice (expiry), nor the
 * help desk's copy of a report.
 */
export const NOT_ME_NOTICES: ReadonlySet<NoticeCode> = new Set<NoticeCode>([
  'password-changed',
  'password-reset-completed',
  'new-device-sign-in',
  'second-factor-added',
  'second-factor-removed',
  'recovery-codes-regenerated',
  'recovery-code-used',
  'security-questions-changed',
  'recovery-email-added',
  'recovery-email-removed',
  'anti-phishing-phrase-changed',
  'account-changed-by-admin',
  'temporary-password-issued',
  'email-changed',
  'account-deletion-scheduled',
  'approval-pending',
]);

export const NOTICE_CODES: readonly NoticeCode[] = CODES;

/** Notices about no event at a moment, device and place (a reminder): the details table would only say "unknown". */
export const NO_DETAILS_NOTICES: ReadonlySet<NoticeCode> = new Set<NoticeCode>(['security-checkup-reminder']);

/** When, from which device and IP the thing happened. */
export interface NoticeOrigin {
  at: number;
  device: string | null;
  ip: string | null;
}

export interface NoticeRecipient {
  displayName: string;
  /** The account's primary address (named in the text). */
  accountEmail: string;
  antiPhishingPhrase: string | null;
  /** True when this copy goes to the account's recovery address. */
  recoveryCopy: boolean;
}

/** A moment as the emails (and the activity list) write it: "2026-11-23 09:30 UTC" in English. */
export function formatWhen(ms: number, t: Translator = translator('en')): string {
  return t.dateTime(ms);
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}

function noticeVars(b: MailBranding, n: Notice, r: NoticeRecipient, t: Translator): Record<string, MessageValue> {
  const v: Record<string, MessageValue> = {
    org: b.organizationName,
    email: r.accountEmail,
    name: r.displayName,
    baseUrl: b.baseUrl,
    support: b.supportContact ?? '',
  };
  switch (n.code) {
    case 'password-changed':
      v['signedOutOthers'] = n.signedOutOthers ? 'yes' : 'no';
      break;
    case 'password-reset-requested':
      v['code'] = n.resetCode;
      v['minutes'] = n.minutes;
      v['situation'] = n.situation;
      break;
    case 'second-factor-added':
    case 'second-factor-removed':
      v['method'] = n.method;
      break;
    case 'account-locked':
      v['attempts'] = n.attempts;
      v['until'] = formatWhen(n.until, t);
      v['resetPage'] = resetPageLink(b);
      break;
    case 'password-expiring':
      v['days'] = n.days;
      v['expiresAt'] = formatWhen(n.expiresAt, t);
      v['changeLink'] = changePasswordLink(b);
      break;
    case 'recovery-email-verification':
    case 'caller-verification-code':
    case 'email-change-verification':
      v['code'] = n.verificationCode;
      v['minutes'] = n.minutes;
      if (n.code === 'email-change-verification') v['newEmail'] = n.newEmail;
      break;
    case 'email-changed':
      v['newEmail'] = n.newEmail;
      v['restoreDays'] = n.restoreDays;
      break;
    case 'account-deletion-scheduled':
      v['dueAt'] = formatWhen(n.dueAt, t);
      break;
    case 'account-deleted':
      v['requestedAt'] = formatWhen(n.requestedAt, t);
      break;
    case 'temporary-password-issued':
      v['expiresAt'] = formatWhen(n.expiresAt, t);
      break;
    case 'sign-up-confirmation':
    case 'account-email-confirmation':
      v['hours'] = n.hours;
      break;
    case 'sign-up-existing-account':
      v['resetPage'] = resetPageLink(b);
      break;
    case 'security-checkup-reminder':
      v['count'] = n.items.length;
      v['settingsLink'] = checkupSettingsLink(b);
      break;
    case 'account-reported':
      v['about'] = n.about;
      break;
    case 'recovery-email-added':
    case 'recovery-email-removed':
      v['recoveryEmail'] = n.recoveryEmail;
      break;
    case 'anti-phishing-phrase-changed':
      v['set'] = n.set ? 'yes' : 'no';
      break;
    case 'account-changed-by-admin':
    case 'account-disabled-by-admin':
    case 'account-deleted-by-admin':
      v['reason'] = n.reason;
      v['ticket'] = n.ticket ?? '';
      v['hasTicket'] = n.ticket ? 'yes' : 'no';
      if (n.code === 'account-changed-by-admin') {
        v['change'] = n.change;
        v['role'] = n.role ?? '';
      }
      break;
    case 'approval-requested':
    case 'approval-pending':
    case 'approval-decided':
      approvalVars(v, n, t);
      break;
    default:
      break;
  }
  return v;
}

const APPROVAL_ACTIONS: Partial<Record<AdminAction, MessageId>> = {
  'reset.send': 'email.approval.action.reset.send',
  'password.require_change': 'email.approval.action.password.require_change',
  'password.temporary': 'email.approval.action.password.temporary',
  'account.unlock': 'email.approval.action.account.unlock',
  'account.disable': 'email.approval.action.account.disable',
  'account.enable': 'email.approval.action.account.enable',
  'factor.remove': 'email.approval.action.factor.remove',
  'role.set': 'email.approval.action.role.set',
  'account.delete': 'email.approval.action.account.delete',
};

/** What the two-person approval emails say: the action in words, who and whom, the reason, until when. */
function approvalVars(
  v: Record<string, MessageValue>,
  n: Extract<Notice, { code: 'approval-requested' | 'approval-pending' | 'approval-decided' }>,
  t: Translator,
): void {
  const label = APPROVAL_ACTIONS[n.action];
  v['action'] = label ? t.format(label) : n.action;
  v['reason'] = n.reason;
  v['ticket'] = n.ticket ?? '';
  v['hasTicket'] = n.ticket ? 'yes' : 'no';
  if (n.code !== 'approval-decided') v['expiresAt'] = formatWhen(n.expiresAt, t);
  if (n.code === 'approval-requested') {
    v['target'] = n.target;
    v['requester'] = n.requester;
  }
  if (n.code === 'approval-decided') {
    v['target'] = n.target;
    v['decision'] = n.decision;
  }
}

/** The main action button, when the notice has one. */
function primaryAction(b: MailBranding, n: Notice, t: Translator): { label: string; url: string } | null {
  if (n.code === 'password-reset-requested') return { label: t.t('email.common.resetLinkLabel'), url: resetLink(b, n.resetToken) };
  if (n.code === 'password-expiring') return { label: t.t('email.common.changeLinkLabel'), url: changePasswordLink(b) };
  if (n.code === 'account-locked') return { label: t.t('email.common.resetPageLabel'), url: resetPageLink(b) };
  if (n.code === 'sign-up-confirmation' || n.code === 'account-email-confirmation')
    return { label: t.t('email.common.confirmLinkLabel'), url: confirmEmailLink(b, n.token) };
  if (n.code === 'sign-up-existing-account') return { label: t.t('email.common.signInLabel'), url: signInLink(b) };
  if (n.code === 'security-checkup-reminder') return { label: t.t('email.common.checkupLabel'), url: securityLink(b) };
  if (n.code === 'email-change-verification') return { label: t.t('email.common.confirmAddressLabel'), url: emailChangeLink(b, n.token) };
  if (n.code === 'account-deletion-scheduled') return { label: t.t('email.common.keepAccountLabel'), url: cancelDeletionLink(b, n.cancelToken) };
  if (n.code === 'approval-requested') return { label: t.t('email.common.reviewRequestLabel'), url: consoleAccountLink(b, n.accountId) };
  return null;
}

/** Lines listed under the headline (the checkup's items needing attention, in the reader's words). */
function listedLines(n: Notice, t: Translator): string[] {
  if (n.code !== 'security-checkup-reminder') return [];
  return n.items.map((i) => checkupText(t, { ...i, status: 'attention', fix: null }).line);
}

/** The code a person types, shown large, when the notice carries one. */
function typedCode(n: Notice): string | null {
  if (n.code === 'password-reset-requested') return n.resetCode;
  if (n.code === 'recovery-email-verification' || n.code === 'caller-verification-code' || n.code === 'email-change-verification') return n.verificationCode;
  if (n.code === 'sign-up-confirmation' || n.code === 'account-email-confirmation') return n.confirmationCode;
  return null;
}

export function renderNotice(
  b: MailBranding,
  o: {
    notice: Notice;
    origin: NoticeOrigin;
    recipient: NoticeRecipient;
    outboxId: string;
    notMeToken?: string | undefined;
    /** The recipient's language (English unless given). */
    translator?: Translator | undefined;
  },
): RenderedMail {
  const t = o.translator ?? translator('en');
  const ids = noticeText(o.notice.code);
  const v = noticeVars(b, o.notice, o.recipient, t);
  const fill = (id: Parameters<Translator['format']>[0]): string => t.format(id, v);
  const c = {
    phraseLabel: t.t('email.common.phraseLabel'),
    detailsHeading: t.t('email.common.detailsHeading'),
    notYouButton: t.t('email.common.notYouButton'),
    securityLink: t.t('email.common.securityLink'),
    unknown: t.t('email.common.unknown'),
  };
  const phrase = o.recipient.antiPhishingPhrase;
  const action = primaryAction(b, o.notice, t);
  const code = typedCode(o.notice);
  const notMe = o.notMeToken !== undefined ? notMeLink(b, o.notMeToken) : null;
  const lines = listedLines(o.notice, t);
  const details: Array<[string, string]> = NO_DETAILS_NOTICES.has(o.notice.code)
    ? []
    : [
        [t.t('email.common.when'), formatWhen(o.origin.at, t)],
        [t.t('email.common.device'), o.origin.device ? deviceNameIn(t, o.origin.device) : c.unknown],
        [t.t('email.common.ip'), o.origin.ip ?? c.unknown],
      ];
  const subject = oneLine(fill(ids.subject));
  const headline = fill(ids.headline).trim();
  const body = fill(ids.body).trim();
  const ifNotYou = ids.ifNotYou ? fill(ids.ifNotYou) : null;
  const support = supportOf(b);
  const legal = legalLinks(t, b);
  const footer = fill('email.common.footer');
  const recoveryNote = o.recipient.recoveryCopy ? fill('email.common.recoveryCopy') : null;
  const phraseHelp = fill('email.common.phraseHelp');

  const text =
    [
      phrase ? `${c.phraseLabel}: ${phrase}\n${phraseHelp}\n${'-'.repeat(60)}\n` : '',
      fill('email.common.greeting'),
      '',
      headline,
      ...lines.map((l) => `  - ${l}`),
      body ? `\n${body}` : '',
      code ? `\n    ${code}\n` : '',
      action ? `\n${action.label}: ${action.url}` : '',
      '',
      details.length > 0 ? `${c.detailsHeading}:` : '',
      ...details.map(([k, val]) => `  ${k}: ${val}`),
      '',
      ifNotYou ? `${ifNotYou}\n${notMe ? `${c.notYouButton}: ${notMe}\n` : ''}` : '',
      `${c.securityLink}: ${securityLink(b)}`,
      '',
      recoveryNote ?? '',
      footer,
      ...legal.map((l) => `${l.label}: ${l.url}`),
      // The contact comes last: where a person in doubt looks for it.
      support ? `\n${supportLines(t, support).join('\n')}` : '',
    ]
      .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
      .join('\n')
      .trim() + '\n';

  const e = escapeHtml;
  const button = (label: string, url: string, primary: boolean): string =>
    `<a href="${e(url)}" style="display:inline-block;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600;${primary ? `background:${b.primaryColor ?? DEFAULT_PRIMARY};color:#ffffff;` : 'background:#ffffff;color:#b3261e;border:1px solid #b3261e;'}">${e(label)}</a>`;
  const html = `<!doctype html>
<html lang="${e(t.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="margin:0;padding:0;background:#f5f6f8;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2330;">
<div style="max-width:600px;margin:0 auto;padding:24px 16px;">
${phrase ? `<div id="anti-phishing-phrase" style="border:2px solid #1e6b35;background:#e8f5ec;border-radius:8px;padding:12px 16px;margin-bottom:16px;"><div style="font-size:13px;color:#1e6b35;">${e(c.phraseLabel)}</div><div style="font-size:18px;font-weight:700;">${e(phrase)}</div><div style="font-size:12px;color:#5b6475;">${e(phraseHelp)}</div></div>` : ''}
<div style="background:#ffffff;border:1px solid #d8dce3;border-radius:10px;padding:24px;">
${b.logoUrl ? `<img src="${e(b.logoUrl)}" alt="${e(b.organizationName)}" style="max-height:48px;margin-bottom:12px;">` : `<div style="font-weight:700;margin-bottom:12px;">${e(b.organizationName)}</div>`}
<p>${e(fill('email.common.greeting'))}</p>
<p style="font-size:17px;font-weight:600;">${e(headline)}</p>
${lines.length > 0 ? `<ul>${lines.map((l) => `<li>${e(l)}</li>`).join('')}</ul>` : ''}
${body ? `<p>${e(body)}</p>` : ''}
${code ? `<p style="font-size:24px;font-weight:700;letter-spacing:3px;font-family:ui-monospace,monospace;">${e(code)}</p>` : ''}
${action ? `<p>${button(action.label, action.url, true)}</p><p style="font-size:12px;color:#5b6475;word-break:break-all;">${e(action.url)}</p>` : ''}
${
  details.length > 0
    ? `<table role="presentation" style="border-collapse:collapse;margin:16px 0;font-size:14px;">
<caption style="text-align:left;font-weight:600;padding-bottom:4px;">${e(c.detailsHeading)}</caption>
${details.map(([k, val]) => `<tr><td style="padding:2px 12px 2px 0;color:#5b6475;">${e(k)}</td><td style="padding:2px 0;">${e(val)}</td></tr>`).join('\n')}
</table>`
    : ''
}
${ifNotYou ? `<p>${e(ifNotYou)}</p>${notMe ? `<p>${button(c.notYouButton, notMe, false)}</p>` : ''}` : ''}
<p><a href="${e(securityLink(b))}">${e(c.securityLink)}</a></p>
</div>
<p style="font-size:12px;color:#5b6475;">${recoveryNote ? `${e(recoveryNote)}<br>` : ''}${e(footer)}${legal.length > 0 ? `<br>${legal.map((l) => `<a href="${e(l.url)}" style="color:#5b6475;">${e(l.label)}</a>`).join(' · ')}` : ''}</p>
${support ? supportHtml(t, support) : ''}
</div>
</body></html>
`;
  return { subject, text, html };
}
