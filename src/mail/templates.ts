// HTML and plain-text emails for every security notice. The words live in core/email-text.ts; here they
// are laid out. Everything a person or a device supplied (names, device descriptions, the phrase) is
// escaped in the HTML part; header values lose line breaks. Never a password in any of it.
import { emailText, type NoticeCode } from '../core/email-text.js';
import { escapeHtml } from '../web/html.js';
import type { RenderedMail } from './queue.js';
import { changePasswordLink, notMeLink, resetLink, resetPageLink, securityLink, type LinkSettings } from './links.js';

export interface MailBranding extends LinkSettings {
  organizationName: string;
  supportContact?: string | undefined;
  /** An https image URL shown at the top of the HTML part. */
  logoUrl?: string | undefined;
}

/** Each notice with the facts its text needs. */
export type Notice =
  | { code: 'password-changed'; signedOutOthers: boolean }
  | { code: 'password-reset-requested'; resetToken: string; resetCode: string; minutes: number }
  | { code: 'password-reset-completed' }
  | { code: 'new-device-sign-in' }
  | { code: 'second-factor-added' | 'second-factor-removed'; method: string }
  | { code: 'recovery-codes-regenerated' }
  | { code: 'recovery-code-used' }
  | { code: 'security-questions-changed' }
  | { code: 'email-changed-old-address' | 'email-changed-new-address'; oldEmail: string; newEmail: string }
  /** Too many wrong passwords (flows/sign-in.ts): `attempts` in a row; untrusted browsers wait until `until` or a reset. */
  | { code: 'account-locked'; attempts: number; until: number }
  | { code: 'password-expiring'; days: number; expiresAt: number }
  | { code: 'admin-changed-account'; change: string }
  | { code: 'recovery-email-verification'; verificationCode: string; minutes: number }
  | { code: 'recovery-email-added' | 'recovery-email-removed'; recoveryEmail: string }
  | { code: 'anti-phishing-phrase-changed'; set: boolean }
  | { code: 'account-reported'; about: string };

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
  'email-changed-old-address',
  'email-changed-new-address',
]);

export const NOTICE_CODES: readonly NoticeCode[] = Object.keys(emailText.notices) as NoticeCode[];

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

export function formatWhen(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, key: string) => vars[key] ?? m);
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}

function noticeVars(b: MailBranding, n: Notice, r: NoticeRecipient): Record<string, string> {
  const v: Record<string, string> = {
    org: b.organizationName,
    email: r.accountEmail,
    name: r.displayName,
    baseUrl: b.baseUrl,
    support: b.supportContact ?? '',
  };
  switch (n.code) {
    case 'password-changed':
      v['signedOut'] = n.signedOutOthers ? emailText.fragments.signedOutOthers : emailText.fragments.keptOthers;
      break;
    case 'password-reset-requested':
      v['code'] = n.resetCode;
      v['minutes'] = String(n.minutes);
      break;
    case 'second-factor-added':
    case 'second-factor-removed':
      v['method'] = n.method;
      break;
    case 'email-changed-old-address':
    case 'email-changed-new-address':
      v['oldEmail'] = n.oldEmail;
      v['newEmail'] = n.newEmail;
      break;
    case 'account-locked':
      v['attempts'] = String(n.attempts);
      v['until'] = formatWhen(n.until);
      v['resetPage'] = resetPageLink(b);
      break;
    case 'password-expiring':
      v['days'] = String(n.days);
      v['expiresAt'] = formatWhen(n.expiresAt);
      v['changeLink'] = changePasswordLink(b);
      break;
    case 'admin-changed-account':
      v['change'] = n.change;
      break;
    case 'recovery-email-verification':
      v['code'] = n.verificationCode;
      v['minutes'] = String(n.minutes);
      break;
    case 'account-reported':
      v['about'] = n.about;
      break;
    case 'recovery-email-added':
    case 'recovery-email-removed':
      v['recoveryEmail'] = n.recoveryEmail;
      break;
    case 'anti-phishing-phrase-changed':
      v['phraseChange'] = (n.set ? emailText.fragments.phraseSet : emailText.fragments.phraseRemoved).replace('{email}', r.accountEmail);
      break;
    default:
      break;
  }
  return v;
}

/** The main action button, when the notice has one. */
function primaryAction(b: MailBranding, n: Notice): { label: string; url: string } | null {
  if (n.code === 'password-reset-requested') return { label: emailText.fragments.resetLinkLabel, url: resetLink(b, n.resetToken) };
  if (n.code === 'password-expiring') return { label: emailText.fragments.changeLinkLabel, url: changePasswordLink(b) };
  if (n.code === 'account-locked') return { label: emailText.fragments.resetPageLabel, url: resetPageLink(b) };
  return null;
}

/** The code a person types, shown large, when the notice carries one. */
function typedCode(n: Notice): string | null {
  if (n.code === 'password-reset-requested') return n.resetCode;
  if (n.code === 'recovery-email-verification') return n.verificationCode;
  return null;
}

export function renderNotice(
  b: MailBranding,
  o: { notice: Notice; origin: NoticeOrigin; recipient: NoticeRecipient; outboxId: string; notMeToken?: string | undefined },
): RenderedMail {
  const c = emailText.common;
  const t = emailText.notices[o.notice.code];
  const v = noticeVars(b, o.notice, o.recipient);
  const phrase = o.recipient.antiPhishingPhrase;
  const action = primaryAction(b, o.notice);
  const code = typedCode(o.notice);
  const notMe = o.notMeToken !== undefined ? notMeLink(b, o.notMeToken) : null;
  const details: Array<[string, string]> = [
    [c.when, formatWhen(o.origin.at)],
    [c.device, o.origin.device ?? c.unknown],
    [c.ip, o.origin.ip ?? c.unknown],
  ];
  const subject = oneLine(fill(t.subject, v));
  const headline = fill(t.headline, v).trim();
  const body = fill(t.body, v).trim();
  const ifNotYou = 'ifNotYou' in t ? fill(t.ifNotYou, v) : null;
  const support = b.supportContact ? fill(c.support, v) : null;
  const footer = fill(c.footer, v);
  const recoveryNote = o.recipient.recoveryCopy ? fill(c.recoveryCopy, v) : null;

  const text = [
    phrase ? `${c.phraseLabel}: ${phrase}\n${fill(c.phraseHelp, v)}\n${'-'.repeat(60)}\n` : '',
    fill(c.greeting, v),
    '',
    headline,
    body ? `\n${body}` : '',
    code ? `\n    ${code}\n` : '',
    action ? `\n${action.label}: ${action.url}` : '',
    '',
    `${c.detailsHeading}:`,
    ...details.map(([k, val]) => `  ${k}: ${val}`),
    '',
    ifNotYou ? `${ifNotYou}\n${notMe ? `${c.notYouButton}: ${notMe}\n` : ''}` : '',
    `${c.securityLink}: ${securityLink(b)}`,
    '',
    recoveryNote ?? '',
    support ?? '',
    footer,
  ].filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n').trim() + '\n';

  const e = escapeHtml;
  const button = (label: string, url: string, primary: boolean): string =>
    `<a href="${e(url)}" style="display:inline-block;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600;${primary ? 'background:#1f5fd1;color:#ffffff;' : 'background:#ffffff;color:#b3261e;border:1px solid #b3261e;'}">${e(label)}</a>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="margin:0;padding:0;background:#f5f6f8;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2330;">
<div style="max-width:600px;margin:0 auto;padding:24px 16px;">
${phrase ? `<div id="anti-phishing-phrase" style="border:2px solid #1e6b35;background:#e8f5ec;border-radius:8px;padding:12px 16px;margin-bottom:16px;"><div style="font-size:13px;color:#1e6b35;">${e(c.phraseLabel)}</div><div style="font-size:18px;font-weight:700;">${e(phrase)}</div><div style="font-size:12px;color:#5b6475;">${e(fill(c.phraseHelp, v))}</div></div>` : ''}
<div style="background:#ffffff;border:1px solid #d8dce3;border-radius:10px;padding:24px;">
${b.logoUrl ? `<img src="${e(b.logoUrl)}" alt="${e(b.organizationName)}" style="max-height:48px;margin-bottom:12px;">` : `<div style="font-weight:700;margin-bottom:12px;">${e(b.organizationName)}</div>`}
<p>${e(fill(c.greeting, v))}</p>
<p style="font-size:17px;font-weight:600;">${e(headline)}</p>
${body ? `<p>${e(body)}</p>` : ''}
${code ? `<p style="font-size:24px;font-weight:700;letter-spacing:3px;font-family:ui-monospace,monospace;">${e(code)}</p>` : ''}
${action ? `<p>${button(action.label, action.url, true)}</p><p style="font-size:12px;color:#5b6475;word-break:break-all;">${e(action.url)}</p>` : ''}
<table role="presentation" style="border-collapse:collapse;margin:16px 0;font-size:14px;">
<caption style="text-align:left;font-weight:600;padding-bottom:4px;">${e(c.detailsHeading)}</caption>
${details.map(([k, val]) => `<tr><td style="padding:2px 12px 2px 0;color:#5b6475;">${e(k)}</td><td style="padding:2px 0;">${e(val)}</td></tr>`).join('\n')}
</table>
${ifNotYou ? `<p>${e(ifNotYou)}</p>${notMe ? `<p>${button(c.notYouButton, notMe, false)}</p>` : ''}` : ''}
<p><a href="${e(securityLink(b))}">${e(c.securityLink)}</a></p>
</div>
<p style="font-size:12px;color:#5b6475;">${recoveryNote ? `${e(recoveryNote)}<br>` : ''}${support ? `${e(support)}<br>` : ''}${e(footer)}</p>
</div>
</body></html>
`;
  return { subject, text, html };
}
