// The pages people see. Plain HTML forms that work without JavaScript; app.js only adds comfort
// (show/hide, the confirmation check before submit).
import { html, type SafeHtml } from '../html.js';
import { alertBox, layout, passwordChecklist, passwordField } from './layout.js';
import type { ChecklistItem } from '../../core/password-policy.js';
import type { DeviceView } from '../../flows/sessions.js';

export interface PageContext {
  config: { organizationName: string; supportContact?: string | undefined; registration: 'open' | 'closed' };
}

export function page(ctx: PageContext, title: string, body: SafeHtml, signedIn?: { displayName: string; csrf: string }): SafeHtml {
  return layout({
    title,
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    body,
    signedIn,
  });
}

export function errorPage(ctx: PageContext, o: { code: string; message: string; status: number }): SafeHtml {
  const action = o.code === 'AUTHENTICATION_REQUIRED' ? html`<a class="button" href="/sign-in">Sign in</a>` : html`<a class="button" href="/">Go to the start page</a>`;
  return page(ctx, 'Something went wrong', html`<section class="card">
  <h1>${o.status === 404 ? 'Page not found' : 'We couldn’t do that'}</h1>
  ${alertBox('error', o.message)}
  <p class="muted">Reference: ${o.code}</p>
  <p>${action}</p>
</section>`);
}

export function signInPage(ctx: PageContext, o: { csrf: string; email?: string | undefined; error?: string | undefined; notice?: string | undefined }): SafeHtml {
  return page(ctx, 'Sign in', html`<section class="card narrow">
  <h1>Sign in</h1>
  ${alertBox('error', o.error)}${alertBox('notice', o.notice)}
  <form method="post" action="/sign-in" novalidate>
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="email">Email address</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}"${o.email ? '' : html` autofocus`}>
    </div>
    ${passwordField({ id: 'password', name: 'password', label: 'Password', autocomplete: 'current-password', autofocus: Boolean(o.email) })}
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p><a href="/reset" id="forgot-password">Forgot your password?</a></p>
  ${ctx.config.registration === 'open' ? html`<p>New here? <a href="/sign-up">Create an account</a>.</p>` : ''}
</section>`);
}

/** What the pages need to show a new-password box: the password-manager rules and the checklist. */
export interface NewPasswordRules {
  passwordRules: string;
  checklist: ChecklistItem[];
  /** The codes of the violations a refused submit reported, to mark the checklist. */
  failedCodes?: readonly string[] | undefined;
}

export function newPasswordOptions(rules: NewPasswordRules, id: string): { passwordRules: string; checklist: SafeHtml; checklistId: string } {
  const checklistId = `${id}-rules`;
  return { passwordRules: rules.passwordRules, checklistId, checklist: passwordChecklist(checklistId, rules.checklist, rules.failedCodes) };
}

export function signUpPage(ctx: PageContext, o: { csrf: string; email?: string | undefined; displayName?: string | undefined; error?: string | undefined; rules: NewPasswordRules }): SafeHtml {
  return page(ctx, 'Create an account', html`<section class="card narrow">
  <h1>Create an account</h1>
  ${alertBox('error', o.error)}
  <form method="post" action="/sign-up" novalidate>
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="displayName">Your name <span class="muted">(optional)</span></label>
      <input type="text" id="displayName" name="displayName" autocomplete="name" maxlength="100" value="${o.displayName ?? ''}">
    </div>
    <div class="field">
      <label for="email">Email address</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}">
    </div>
    ${passwordField({ id: 'password', name: 'password', label: 'Password', autocomplete: 'new-password', hint: 'A few unrelated words make a strong one.', newPassword: newPasswordOptions(o.rules, 'password') })}
    <button type="submit" class="primary">Create account</button>
  </form>
  <p>Already have an account? <a href="/sign-in">Sign in</a>.</p>
</section>`);
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

const revokeReasons: Record<string, string> = {
  'password-changed': 'signed out when the password was changed',
  'password-reset': 'signed out when the password was reset',
  'revoked-by-user': 'signed out from this page',
  'signed-out-elsewhere': 'signed out from another device',
  'sign-out': 'signed out',
  admin: 'signed out by an administrator',
};

export function securityPage(
  ctx: PageContext,
  o: { csrf: string; displayName: string; email: string; passwordChangedAt: number | null; devices: DeviceView[]; notice?: string | undefined; error?: string | undefined },
): SafeHtml {
  // This device first: it is the one a person recognises, then the others by last activity.
  const live = o.devices.filter((d) => d.revokedAt === null).sort((a, b) => Number(b.current) - Number(a.current));
  const ended = o.devices.filter((d) => d.revokedAt !== null);
  const others = live.filter((d) => !d.current).length;
  return page(ctx, 'Security', html`<section class="card">
  <h1>Security</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <p class="muted">Signed in as ${o.displayName} (${o.email})</p>
  <h2>Password</h2>
  <p id="password-age">${o.passwordChangedAt ? `Last changed ${when(o.passwordChangedAt)}.` : 'No password set.'}</p>
  <p><a class="button" href="/security/password">Change password</a></p>
  <h2>Email</h2>
  <p><a href="/security/email" id="email-settings-link">Email settings</a>: your anti-phishing phrase and a recovery address.</p>
  <h2>Your devices</h2>
  <ul class="devices" id="devices">
  ${live.map((d) => html`<li class="device" data-session-id="${d.id}">
    <div><strong>${d.device}</strong>${d.current ? html` <span class="badge">This device</span>` : ''}
    <div class="muted">Signed in ${when(d.createdAt)} · last active ${when(d.lastSeenAt)}${d.ip ? ` · IP ${d.ip}` : ''}</div></div>
    ${d.current ? '' : html`<form method="post" action="/security/sessions/${d.id}/revoke" class="inline">
      <input type="hidden" name="_csrf" value="${o.csrf}"><button type="submit" class="secondary" aria-label="Sign out ${d.device}">Sign out</button></form>`}
  </li>`)}
  </ul>
  ${others > 0
    ? html`<form method="post" action="/security/sessions/revoke-others"><input type="hidden" name="_csrf" value="${o.csrf}">
      <button type="submit" class="secondary">Sign out all other devices (${others})</button></form>`
    : html`<p class="muted">You are not signed in anywhere else.</p>`}
  ${ended.length > 0 ? html`<h3>Recently signed out</h3><ul class="devices ended" id="ended-devices">
    ${ended.map((d) => html`<li class="device"><div><strong>${d.device}</strong><div class="muted">${revokeReasons[d.revokedReason ?? ''] ?? 'signed out'} ${d.revokedAt ? when(d.revokedAt) : ''}</div></div></li>`)}
  </ul>` : ''}
</section>`, { displayName: o.displayName, csrf: o.csrf });
}

export interface ChangePasswordPageOptions {
  csrf: string;
  email: string;
  displayName: string;
  rules: NewPasswordRules;
  error?: string | undefined;
  /** Which box the error belongs to, so it is shown beside it. */
  errorField?: 'currentPassword' | 'newPassword' | 'confirmPassword' | undefined;
  mustChangeReason?: string | undefined;
  signOutOtherSessions?: boolean | undefined;
}

export function changePasswordPage(ctx: PageContext, o: ChangePasswordPageOptions): SafeHtml {
  const fieldError = (f: ChangePasswordPageOptions['errorField']): string | undefined => (o.errorField === f ? o.error : undefined);
  return page(ctx, 'Change password', html`<section class="card narrow">
  <h1>Change your password</h1>
  ${o.mustChangeReason ? alertBox('notice', o.mustChangeReason) : ''}
  ${alertBox('error', o.error)}
  <form method="post" action="/security/password" novalidate id="change-password-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>
    ${passwordField({ id: 'currentPassword', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password', error: fieldError('currentPassword'), autofocus: !o.errorField || o.errorField === 'currentPassword' })}
    ${passwordField({ id: 'newPassword', name: 'newPassword', label: 'New password', autocomplete: 'new-password', hint: 'Any characters, including spaces. Don’t reuse a password from another site.', error: fieldError('newPassword'), autofocus: o.errorField === 'newPassword', newPassword: newPasswordOptions(o.rules, 'newPassword') })}
    ${passwordField({ id: 'confirmPassword', name: 'confirmPassword', label: 'Confirm new password', autocomplete: 'new-password', error: fieldError('confirmPassword'), matches: 'newPassword', autofocus: o.errorField === 'confirmPassword' })}
    <p class="field-error" id="confirm-mismatch" role="alert" hidden>The two new passwords don’t match. Type the same password in both boxes.</p>
    <div class="field check">
      <input type="checkbox" id="signOutOtherSessions" name="signOutOtherSessions" value="on"${o.signOutOtherSessions === false ? '' : html` checked`}>
      <label for="signOutOtherSessions">Sign out of all other devices</label>
    </div>
    <button type="submit" class="primary">Change password</button>
    <a href="/security" class="secondary-link">Cancel</a>
  </form>
</section>`, { displayName: o.displayName, csrf: o.csrf });
}

export function apiDocsPage(ctx: PageContext, spec: { info?: { title?: string; version?: string }; paths?: Record<string, Record<string, { summary?: string; description?: string; tags?: string[] }>> }): SafeHtml {
  const ops: Array<{ method: string; path: string; summary: string; description: string }> = [];
  for (const [path, methods] of Object.entries(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), path, summary: op.summary ?? '', description: op.description ?? '' });
    }
  }
  return page(ctx, 'API', html`<section class="card wide">
  <h1>${spec.info?.title ?? 'API'} <span class="muted">${spec.info?.version ?? ''}</span></h1>
  <p>The machine-readable OpenAPI 3.1 document is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
  Requests and responses are JSON. Errors are <code>{"error":{"code":"…","message":"…"}}</code> with stable codes.
  Cookie-authenticated unsafe requests from non-browser clients must send <code>Origin</code> equal to the service’s base URL.</p>
  <table class="ops"><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>
  ${ops.map((op) => html`<tr><td><code>${op.method}</code></td><td><code>${op.path}</code></td><td><strong>${op.summary}</strong>${op.description ? html`<br><span class="muted">${op.description}</span>` : ''}</td></tr>`)}
  </tbody></table>
</section>`);
}
