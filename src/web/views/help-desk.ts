// The help desk console (issue 15): search, one account with a form per action (each with a reason and an optional
// ticket), caller verification and what needs it, the temporary password shown once, and the audit log. Plain
// forms that work without JavaScript; the flows (flows/help-desk/) decide who may do what.
import { deviceNameIn } from '../../core/device.js';
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import { localTime, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import { MESSAGE_IDS, type MessageId } from '../../core/i18n/translator.js';
import type { AccountDetail, AccountSummary, StatusFilter } from '../../flows/help-desk/accounts.js';
import type { ApprovalView } from '../../flows/help-desk/approvals.js';
import { type ApprovableAction, isRole } from '../../core/admin-permissions.js';
import type { AuditEvent } from '../../store/index.js';

interface SignedIn {
  csrf: string;
  displayName: string;
}

/** What the console's forms and links may say after a redirect (`?notice=`). */
export const CONSOLE_NOTICES = [
  'reset-email',
  'require-change',
  'unlock',
  'disable',
  'enable',
  'sign-out',
  'role',
  'code-sent',
  'caller-verified',
  'factor-removed',
  // Two-person approval: the action waits as a request; a request approved, rejected or cancelled.
  'approval-requested',
  'approved',
  'rejected',
  'cancelled',
] as const;
export type ConsoleNotice = (typeof CONSOLE_NOTICES)[number];

const STATUS_FILTERS: readonly StatusFilter[] = ['locked', 'disabled', 'must-change', 'no-second-factor', 'expiring'];

export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

/** The reason (required) and ticket (optional) every action asks for; ids prefixed by the form's name. */
export function reasonFields(t: Translator, prefix: string, o: { label?: string; reason?: string; ticket?: string } = {}): SafeHtml {
  return html`<div class="field"><label for="${prefix}-reason">${o.label ?? t.t('page.helpDesk.reason')}</label>
    <input type="text" id="${prefix}-reason" name="reason" required minlength="3" maxlength="500" autocomplete="off" value="${o.reason ?? ''}"></div>
  <div class="field"><label for="${prefix}-ticket">${t.t('page.helpDesk.ticket')}</label>
    <input type="text" id="${prefix}-ticket" name="ticket" maxlength="64" autocomplete="off" value="${o.ticket ?? ''}"></div>`;
}

/** What the console's navigation offers this person (the matrix decides, in http/admin/pages.ts). */
export interface ConsoleOffers {
  canReadAudit: boolean;
  /** Administrators: import and export accounts. */
  canTransfer?: boolean | undefined;
}

export function consoleNav(t: Translator, o: ConsoleOffers): SafeHtml {
  const link = (href: string, id: string, text: string): SafeHtml => html` · <a href="${href}" id="${id}">${text}</a>`;
  return html`<p class="console-nav"><a href="/admin">${t.t('page.helpDesk.searchLink')}</a>${link('/admin/approvals', 'approvals-link', t.t('page.helpDesk.approvalsLink'))}${o.canReadAudit ? link('/admin/audit', 'audit-link', t.t('page.helpDesk.auditLink')) : ''}${o.canTransfer ? html`${link('/admin/import', 'import-link', t.t('page.helpDesk.importLink'))}${link('/admin/export', 'export-link', t.t('page.helpDesk.exportLink'))}` : ''} · <a href="/security">${t.t('page.common.backToSecurity')}</a></p>`;
}

function roleName(t: Translator, role: AccountSummary['role']): string {
  return t.t(`page.helpDesk.role.${role}`);
}

function badges(t: Translator, a: AccountSummary): SafeHtml {
  return html`<span class="badge">${roleName(t, a.role)}</span>${a.status === 'disabled' ? html` <span class="badge">${t.t('page.helpDesk.status.disabled')}</span>` : ''}${a.mustChangePassword ? html` <span class="badge">${t.t('page.helpDesk.status.must-change')}</span>` : ''}${a.directoryId ? html` <span class="badge">${t.t('page.helpDesk.directoryBadge')}</span>` : ''}`;
}

export function helpDeskSearchPage(
  ctx: PageContext,
  o: SignedIn &
    ConsoleOffers & {
      query: string;
      status: readonly StatusFilter[];
      results: readonly AccountSummary[];
      nextPage: string | null;
      error?: string | undefined;
    },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.helpDesk.title'),
    html`<section class="card wide console">
  <h1>${t.t('page.helpDesk.title')}</h1>
  ${consoleNav(t, o)}
  ${alertBox('error', o.error)}
  <form method="get" action="/admin" id="search-form" role="search">
    <div class="field"><label for="q">${t.t('page.helpDesk.searchLabel')}</label>
      <input type="text" id="q" name="q" maxlength="254" value="${o.query}" autocomplete="off"></div>
    <fieldset class="filters"><legend>${t.t('page.helpDesk.filters')}</legend>
    ${STATUS_FILTERS.map(
      (s) => html`<div class="field check"><input type="checkbox" id="status-${s}" name="status" value="${s}"${o.status.includes(s) ? html` checked` : ''}>
      <label for="status-${s}">${t.t(`page.helpDesk.status.${s}`)}</label></div>`,
    )}
    </fieldset>
    <button type="submit" class="primary">${t.t('page.helpDesk.search')}</button>
  </form>
  <h2>${t.t('page.helpDesk.results')}</h2>
  ${
    o.results.length === 0
      ? html`<p class="muted" id="no-results">${t.t('page.helpDesk.noResults')}</p>`
      : html`<ul class="devices" id="results">${o.results.map(
          (a) => html`<li class="device result"><div><a href="/admin/accounts/${a.id}"><strong>${a.displayName || a.email}</strong></a>
      <div class="muted wrap">${a.email}</div><div>${badges(t, a)}</div></div></li>`,
        )}</ul>`
  }
  ${o.nextPage ? html`<p><a href="${o.nextPage}" id="next-page">${t.t('page.helpDesk.nextPage')}</a></p>` : ''}
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

export interface AccountPageOptions extends SignedIn, ConsoleOffers {
  /** Administrators: the role form. */
  canSetRole: boolean;
  /** Administrators: the link to the deletion page. */
  canDelete?: boolean | undefined;
  detail: AccountDetail;
  /** Until when this agent's caller is verified; null: not verified. */
  callerVerifiedUntil: number | null;
  /** Requests about this account waiting for a second administrator (two-person approval). */
  approvals: readonly ApprovalView[];
  notice?: ConsoleNotice | undefined;
  error?: string | undefined;
}

export function helpDeskAccountPage(ctx: PageContext, o: AccountPageOptions): SafeHtml {
  const t = translatorOf(ctx);
  const d = o.detail;
  const a = d.account;
  return page(
    ctx,
    t.t('page.helpDesk.accountTitle', { name: a.displayName || a.email }),
    html`<section class="card wide console" id="account" data-account-id="${a.id}">
  ${consoleNav(t, o)}
  <h1>${a.displayName || a.email}</h1>
  ${alertBox('notice', o.notice ? t.t(`page.helpDesk.notice.${o.notice}`) : undefined)}${alertBox('error', o.error)}
  ${accountFacts(t, d)}
  ${factorList(t, d)}
  ${deviceList(t, d)}
  ${approvalSection(t, o)}
  ${activityList(t, d.activity)}
  <h2 id="actions-heading">${t.t('page.helpDesk.actionsHeading')}</h2>
  ${d.directory ? html`<p class="muted" id="directory-note">${t.t('page.helpDesk.directoryNote')}</p>` : ''}
  ${actionForms(t, o)}
  ${callerSection(t, o)}
  ${o.canDelete ? html`<p><a href="/admin/accounts/${a.id}/delete" id="delete-link">${t.t('page.helpDesk.deleteLink')}</a></p>` : ''}
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

function accountFacts(t: Translator, d: AccountDetail): SafeHtml {
  const a = d.account;
  const lock = d.lock;
  const lockLine =
    lock.reason === 'disabled'
      ? t.t('page.helpDesk.lock.disabled')
      : lock.locked && lock.until !== null
        ? markup(t, 'page.helpDesk.lock.locked', { failures: lock.failures, until: localTime(t, lock.until) })
        : lock.waitUntil !== null
          ? markup(t, 'page.helpDesk.lock.waiting', { failures: lock.failures, until: localTime(t, lock.waitUntil) })
          : t.t('page.helpDesk.lock.none', { failures: lock.failures });
  return html`<dl class="facts">
    <dt>${t.t('page.common.email')}</dt><dd class="wrap" id="account-email">${a.email}</dd>
    <dt>${t.t('page.helpDesk.statusHeading')}</dt><dd id="account-status">${a.status === 'disabled' ? t.t('page.helpDesk.status.disabled') : t.t('page.helpDesk.active')}${a.mustChangePassword ? html` · ${t.t('page.helpDesk.status.must-change')}` : ''}</dd>
    <dt>${t.t('page.helpDesk.roleHeading')}</dt><dd id="account-role">${roleName(t, a.role)}</dd>
    <dt>${t.t('page.helpDesk.passwordHeading')}</dt><dd id="password-age">${d.password.changedAt !== null ? markup(t, 'page.security.passwordChanged', { when: localTime(t, d.password.changedAt) }) : t.t('page.security.noPassword')}${d.password.expiresAt !== null ? html` ${d.password.expired ? markup(t, 'page.helpDesk.expired', { when: localTime(t, d.password.expiresAt) }) : markup(t, 'page.helpDesk.expires', { when: localTime(t, d.password.expiresAt) })}` : ''}</dd>
    <dt>${t.t('page.helpDesk.lockHeading')}</dt><dd id="lock-state">${lockLine}</dd>
    <dt>${t.t('page.helpDesk.createdHeading')}</dt><dd>${localTime(t, a.createdAt)}</dd>
  </dl>`;
}

function factorList(t: Translator, d: AccountDetail): SafeHtml {
  return html`<h2>${t.t('page.common.twoStep')}</h2>
  ${
    d.secondFactors.length === 0
      ? html`<p id="no-factors">${t.t('page.helpDesk.noFactors')}</p>`
      : html`<ul class="devices" id="factors">${d.secondFactors.map(
          (
            f,
          ) => html`<li class="device" data-factor-id="${f.id}"><div><strong>${f.name}</strong> <span class="badge">${t.t(`page.helpDesk.factorType.${f.type}`)}</span>
      <div class="muted">${f.lastUsedAt !== null ? markup(t, 'page.passkeys.added', { added: localTime(t, f.createdAt, { relative: true }), lastUsed: localTime(t, f.lastUsedAt, { relative: true }) }) : markup(t, 'page.passkeys.addedNotUsed', { added: localTime(t, f.createdAt, { relative: true }) })}</div></div></li>`,
        )}</ul>`
  }
  <p class="muted" id="recovery-codes-left">${t.t('page.helpDesk.recoveryCodesLeft', { count: d.recoveryCodesLeft })}</p>`;
}

function deviceList(t: Translator, d: AccountDetail): SafeHtml {
  return html`<h2>${t.t('page.helpDesk.devicesHeading')}</h2>
  ${
    d.devices.length === 0
      ? html`<p class="muted" id="no-devices">${t.t('page.helpDesk.noDevices')}</p>`
      : html`<ul class="devices" id="account-devices">${d.devices.map(
          (s) => html`<li class="device"><div><strong>${deviceNameIn(t, s.device)}</strong>
      <div class="muted">${s.ip ? markup(t, 'page.security.deviceLineWithIp', { signedIn: localTime(t, s.createdAt, { relative: true }), lastActive: localTime(t, s.lastSeenAt, { relative: true }), ip: s.ip }) : markup(t, 'page.security.deviceLine', { signedIn: localTime(t, s.createdAt, { relative: true }), lastActive: localTime(t, s.lastSeenAt, { relative: true }) })}</div></div></li>`,
        )}</ul>`
  }`;
}

/** An event's name as people read it where the catalog has one (activity.event.*), else its type. */
function eventLabel(t: Translator, type: string): string {
  const id = `activity.event.${type}`;
  return (MESSAGE_IDS as readonly string[]).includes(id) ? t.format(id as MessageId) : type;
}

/** The reason and ticket an administrative event carries, shown beside it. */
function eventWhy(e: AuditEvent): string {
  const reason = typeof e.detail?.['reason'] === 'string' ? e.detail['reason'] : '';
  const ticket = typeof e.detail?.['ticket'] === 'string' ? e.detail['ticket'] : '';
  return [reason, ticket].filter(Boolean).join(' · ');
}

function activityList(t: Translator, events: readonly AuditEvent[]): SafeHtml {
  return html`<h2>${t.t('page.security.activityHeading')}</h2>
  ${
    events.length === 0
      ? html`<p class="muted">${t.t('page.activity.none')}</p>`
      : html`<ul class="devices" id="account-activity">${events.map(
          (e) => html`<li class="device" data-event-type="${e.type}"><div><strong>${eventLabel(t, e.type)}</strong>
      <div class="muted wrap">${localTime(t, e.createdAt, { relative: true })}${e.ip ? ` · ${t.t('page.activity.ip', { ip: e.ip })}` : ''}${e.actorId ? ` · ${t.t('page.helpDesk.byActor', { actor: e.actorId })}` : ''}${eventWhy(e) ? ` · ${eventWhy(e)}` : ''}</div></div></li>`,
        )}</ul>`
  }`;
}

/** One action: its form, its reason and ticket, its button. */
function actionForm(t: Translator, o: { csrf: string; accountId: string; name: string; path?: string; label: string; extra?: SafeHtml }): SafeHtml {
  return html`<form method="post" action="/admin/accounts/${o.accountId}/${o.path ?? o.name}" class="admin-action" id="${o.name}-form">
    ${csrfField(o.csrf)}
    <h3>${o.label}</h3>
    ${o.extra ?? ''}
    ${reasonFields(t, o.name)}
    <button type="submit" class="secondary">${o.label}</button>
  </form>`;
}

function actionForms(t: Translator, o: AccountPageOptions): SafeHtml {
  const a = o.detail.account;
  const base = { csrf: o.csrf, accountId: a.id };
  const roles: Array<AccountSummary['role']> = ['user', 'helpdesk', 'admin'];
  return html`<div class="actions">
  ${actionForm(t, { ...base, name: 'reset-email', label: t.t('page.helpDesk.action.reset-email') })}
  ${actionForm(t, { ...base, name: 'unlock', label: t.t('page.helpDesk.action.unlock') })}
  ${actionForm(t, { ...base, name: 'require-change', label: t.t('page.helpDesk.action.require-change') })}
  ${actionForm(t, { ...base, name: 'sign-out', label: t.t('page.helpDesk.action.sign-out') })}
  ${
    a.status === 'active'
      ? actionForm(t, { ...base, name: 'disable', label: t.t('page.helpDesk.action.disable') })
      : actionForm(t, { ...base, name: 'enable', label: t.t('page.helpDesk.action.enable') })
  }
  ${
    o.canSetRole
      ? actionForm(t, {
          ...base,
          name: 'role',
          label: t.t('page.helpDesk.action.role'),
          extra: html`<div class="field"><label for="role-select">${t.t('page.helpDesk.newRole')}</label>
      <select id="role-select" name="role">${roles.map((r) => html`<option value="${r}"${r === a.role ? html` selected` : ''}>${roleName(t, r)}</option>`)}</select></div>`,
        })
      : ''
  }
  </div>`;
}

/** Caller verification, then (only for a verified caller) the temporary password and factor removal. */
function callerSection(t: Translator, o: AccountPageOptions): SafeHtml {
  const d = o.detail;
  const id = d.account.id;
  const hasApp = d.secondFactors.some((f) => f.type === 'totp');
  const codeForm = (
    method: 'email-code' | 'totp',
    label: string,
  ): SafeHtml => html`<form method="post" action="/admin/accounts/${id}/caller/confirm" class="admin-action" id="caller-${method}-form">
    ${csrfField(o.csrf)}<input type="hidden" name="method" value="${method}">
    <div class="field"><label for="caller-${method}-code">${label}</label>
      <input type="text" id="caller-${method}-code" name="code" inputmode="numeric" autocomplete="off" maxlength="16" required></div>
    <button type="submit" class="secondary">${t.t('page.helpDesk.confirmCaller')}</button>
  </form>`;
  if (o.callerVerifiedUntil === null) {
    return html`<h2 id="caller-heading">${t.t('page.helpDesk.callerHeading')}</h2>
  <p id="caller-state">${t.t('page.helpDesk.callerIntro')}</p>
  <form method="post" action="/admin/accounts/${id}/caller/send" class="admin-action" id="caller-send-form">
    ${csrfField(o.csrf)}
    <button type="submit" class="secondary">${t.t('page.helpDesk.sendCallerCode')}</button>
  </form>
  ${codeForm('email-code', t.t('page.helpDesk.callerCodeLabel'))}
  ${hasApp ? codeForm('totp', t.t('page.helpDesk.callerAppLabel')) : ''}`;
  }
  return html`<h2 id="caller-heading">${t.t('page.helpDesk.callerHeading')}</h2>
  <p id="caller-state" class="alert notice">${markup(t, 'page.helpDesk.callerVerified', { until: localTime(t, o.callerVerifiedUntil) })}</p>
  <div class="actions">
  ${actionForm(t, { csrf: o.csrf, accountId: id, name: 'temporary-password', label: t.t('page.helpDesk.action.temporary-password') })}
  ${d.secondFactors.map((f) =>
    actionForm(t, {
      csrf: o.csrf,
      accountId: id,
      name: `remove-${f.id}`,
      path: `factors/${f.id}/remove`,
      label: t.t('page.helpDesk.action.removeFactor', { name: f.name }),
    }),
  )}
  ${
    d.recoveryCodesLeft > 0
      ? actionForm(t, {
          csrf: o.csrf,
          accountId: id,
          name: 'remove-recovery-codes',
          path: 'factors/recovery-codes/remove',
          label: t.t('page.helpDesk.action.removeRecoveryCodes'),
        })
      : ''
  }
  </div>`;
}

/** The temporary password, shown once (the route sends it with Cache-Control: no-store). */
export function temporaryPasswordPage(
  ctx: PageContext,
  o: SignedIn & ConsoleOffers & { account: { id: string; email: string; displayName: string }; password: string; expiresAt: number },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.helpDesk.tempTitle'),
    html`<section class="card console">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.tempTitle')}</h1>
  <p>${t.t('page.helpDesk.tempFor', { name: o.account.displayName || o.account.email, email: o.account.email })}</p>
  <p class="temporary-password"><code id="temporary-password">${o.password}</code></p>
  <p>${markup(t, 'page.helpDesk.tempOnce', { until: localTime(t, o.expiresAt) })}</p>
  <p><a class="button" href="/admin/accounts/${o.account.id}">${t.t('page.helpDesk.backToAccount')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

export type { SignedIn };

export interface AuditFilterView {
  person: string;
  actor: string;
  type: string;
  from: string;
  to: string;
}

export function auditLogPage(
  ctx: PageContext,
  o: SignedIn &
    ConsoleOffers & {
      filter: AuditFilterView;
      events: readonly AuditEvent[];
      nextPage: string | null;
      exportCsv: string;
      exportJsonl: string;
      error?: string | undefined;
    },
): SafeHtml {
  const t = translatorOf(ctx);
  const f = o.filter;
  const input = (name: keyof AuditFilterView, type: 'text' | 'date', value: string, max: number): SafeHtml =>
    html`<div class="field"><label for="audit-${name}">${t.t(`page.helpDesk.audit.${name}`)}</label>
      <input type="${type}" id="audit-${name}" name="${name}" value="${value}" maxlength="${max}" autocomplete="off"></div>`;
  return page(
    ctx,
    t.t('page.helpDesk.audit.title'),
    html`<section class="card wide console">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.audit.title')}</h1>
  ${alertBox('error', o.error)}
  <form method="get" action="/admin/audit" id="audit-filter">
    ${input('person', 'text', f.person, 254)}${input('actor', 'text', f.actor, 64)}${input('type', 'text', f.type, 64)}
    ${input('from', 'date', f.from, 10)}${input('to', 'date', f.to, 10)}
    <button type="submit" class="primary">${t.t('page.helpDesk.audit.filter')}</button>
  </form>
  <p class="console-nav">${t.t('page.helpDesk.audit.export')} <a href="${o.exportCsv}" id="export-csv" download>${t.t('page.helpDesk.audit.csv')}</a> · <a href="${o.exportJsonl}" id="export-jsonl" download>${t.t('page.helpDesk.audit.jsonl')}</a></p>
  ${
    o.events.length === 0
      ? html`<p class="muted" id="no-events">${t.t('page.helpDesk.audit.none')}</p>`
      : html`<ul class="devices" id="audit-events">${o.events.map(
          (
            e,
          ) => html`<li class="device" data-event-type="${e.type}"><div class="wrap"><strong>${e.type}</strong> <span class="muted">${localTime(t, e.createdAt, { seconds: true })}</span>
      <div class="muted">${e.accountId ? html`${t.t('page.helpDesk.audit.about')} <a href="/admin/accounts/${e.accountId}">${e.accountId}</a>` : ''}${e.actorId ? ` · ${t.t('page.helpDesk.byActor', { actor: e.actorId })}` : ''}${e.ip ? ` · ${t.t('page.activity.ip', { ip: e.ip })}` : ''}</div>
      ${eventWhy(e) ? html`<div>${eventWhy(e)}</div>` : ''}</div></li>`,
        )}</ul>`
  }
  ${o.nextPage ? html`<p><a href="${o.nextPage}" id="next-page">${t.t('page.helpDesk.audit.older')}</a></p>` : ''}
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

const APPROVAL_ACTIONS: Record<ApprovableAction, MessageId> = {
  'reset.send': 'page.helpDesk.approval.action.reset.send',
  'password.require_change': 'page.helpDesk.approval.action.password.require_change',
  'password.temporary': 'page.helpDesk.approval.action.password.temporary',
  'account.unlock': 'page.helpDesk.approval.action.account.unlock',
  'account.disable': 'page.helpDesk.approval.action.account.disable',
  'account.enable': 'page.helpDesk.approval.action.account.enable',
  'factor.remove': 'page.helpDesk.approval.action.factor.remove',
  'role.set': 'page.helpDesk.approval.action.role.set',
  'account.delete': 'page.helpDesk.approval.action.account.delete',
};

/** An approval request's action in words ("Disable the account"), with the new role of a role change. */
function approvalAction(t: Translator, a: ApprovalView): string {
  const role = a.params['role'];
  const label = t.format(APPROVAL_ACTIONS[a.action]);
  return isRole(role) ? `${label}: ${roleName(t, role)}` : label;
}

/** Who asked, why, until when (or what became of it). */
function approvalFacts(t: Translator, a: ApprovalView): SafeHtml {
  const who = (p: { displayName: string; email: string }): string => p.displayName || p.email;
  return html`<div class="muted wrap">${markup(t, 'page.helpDesk.approval.requestedBy', { who: who(a.requestedBy), when: localTime(t, a.createdAt, { relative: true }) })}</div>
      <div class="wrap">${a.ticket ? t.t('page.helpDesk.approval.reasonTicket', { reason: a.reason, ticket: a.ticket }) : t.t('page.helpDesk.approval.reason', { reason: a.reason })}</div>
      <div class="muted">${a.state === 'pending' ? markup(t, 'page.helpDesk.approval.until', { until: localTime(t, a.expiresAt) }) : t.format(`page.helpDesk.approval.state.${a.state}` as MessageId)}</div>`;
}

/** The forms a reader has on one request: approve and reject (a second administrator), or cancel (the requester). */
function approvalForms(t: Translator, o: { csrf: string }, a: ApprovalView): SafeHtml {
  const form = (kind: 'approve' | 'reject' | 'cancel', primary: boolean): SafeHtml => {
    const name = `${kind}-${a.id}`;
    return html`<form method="post" action="/admin/accounts/${a.account.id}/approvals/${a.id}/${kind}" class="admin-action" id="${name}-form">
    ${csrfField(o.csrf)}
    ${reasonFields(t, name, { label: t.t('page.helpDesk.approval.reasonLabel') })}
    <button type="submit" class="${primary ? 'primary' : 'secondary'}">${t.t(`page.helpDesk.approval.${kind}`)}</button>
  </form>`;
  };
  return html`${a.mayDecide ? html`<div class="actions">${form('approve', true)}${form('reject', false)}</div>` : ''}${a.mayCancel ? form('cancel', false) : ''}`;
}

/** The account page's requests waiting for approval (shown only when there are some). */
function approvalSection(t: Translator, o: AccountPageOptions): SafeHtml {
  if (o.approvals.length === 0) return html``;
  return html`<section id="approvals" aria-labelledby="approvals-heading"><h2 id="approvals-heading">${t.t('page.helpDesk.approval.heading')}</h2>
  <p class="muted">${t.t('page.helpDesk.approval.intro')}</p>
  <ul class="devices" id="account-approvals">${o.approvals.map(
    (a) => html`<li class="device approval" data-approval-id="${a.id}"><div class="wide-item"><strong>${approvalAction(t, a)}</strong>
      ${approvalFacts(t, a)}
      ${approvalForms(t, o, a)}</div></li>`,
  )}</ul></section>`;
}

/** "Waiting for approval": every request an administrator may decide (an agent: their own), linking to each account. */
export function approvalsPage(
  ctx: PageContext,
  o: SignedIn & { canReadAudit: boolean; approvals: readonly ApprovalView[]; notice?: ConsoleNotice | undefined; error?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.helpDesk.approval.title'),
    html`<section class="card wide console">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.approval.title')}</h1>
  ${alertBox('notice', o.notice ? t.t(`page.helpDesk.notice.${o.notice}`) : undefined)}${alertBox('error', o.error)}
  <p class="muted">${t.t('page.helpDesk.approval.listIntro')}</p>
  ${
    o.approvals.length === 0
      ? html`<p class="muted" id="no-approvals">${t.t('page.helpDesk.approval.none')}</p>`
      : html`<ul class="devices" id="approvals-list">${o.approvals.map(
          (a) => html`<li class="device approval" data-approval-id="${a.id}"><div class="wide-item"><strong>${approvalAction(t, a)}</strong>
      <div class="wrap"><a href="/admin/accounts/${a.account.id}#approvals">${a.account.displayName || a.account.email}</a> <span class="badge">${roleName(t, a.account.role)}</span></div>
      <div class="muted wrap">${a.account.email}</div>
      ${approvalFacts(t, a)}</div></li>`,
        )}</ul>`
  }
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}
