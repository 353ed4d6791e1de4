// The pages people see. Plain HTML forms that work without JavaScript; app.js only adds comfort
// (show/hide, the confirmation check before submit).
import { html, type SafeHtml } from '../html.js';
import { alertBox, layout, passwordChecklist, passwordField } from './layout.js';
import type { ChecklistItem } from '../../core/password-policy.js';
import type { DeviceView } from '../../flows/sessions.js';
import { challengeFields, challengeScripts, type ChallengeView } from './challenge.js';
import type { AssetName } from '../assets/index.js';

export interface PageContext {
  config: { organizationName: string; supportContact?: string | undefined; registration: 'open' | 'closed' };
}

/** The scripts of pages with passkey buttons: the @simplewebauthn/browser bundle, then ours. */
export const PASSKEY_SCRIPTS = ['webauthn-browser.js', 'passkeys.js'] as const satisfies readonly AssetName[];

export function page(ctx: PageContext, title: string, body: SafeHtml, signedIn?: { displayName: string; csrf: string }, o: { scripts?: readonly AssetName[] } = {}): SafeHtml {
  return layout({
    title,
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    body,
    signedIn,
    scripts: o.scripts,
  });
}

/**
 * Where the passkey script shows what went wrong. Empty and hidden until then (the script adds the alert style),
 * so a page without a passkey problem has no alert box at all.
 */
const passkeyError = html`<div role="alert" id="passkey-error" tabindex="-1" hidden></div>`;

export function errorPage(ctx: PageContext, o: { code: string; message: string; status: number }): SafeHtml {
  const action = o.code === 'AUTHENTICATION_REQUIRED' ? html`<a class="button" href="/sign-in">Sign in</a>` : html`<a class="button" href="/">Go to the start page</a>`;
  return page(ctx, 'Something went wrong', html`<section class="card">
  <h1>${o.status === 404 ? 'Page not found' : 'We couldn’t do that'}</h1>
  ${alertBox('error', o.message)}
  <p class="muted">Reference: ${o.code}</p>
  <p>${action}</p>
</section>`);
}

export function signInPage(ctx: PageContext, o: { csrf: string; email?: string | undefined; error?: string | undefined; notice?: string | undefined; challenge?: ChallengeView | undefined }): SafeHtml {
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
    ${challengeFields(o.challenge)}
    <button type="submit" class="primary">Sign in</button>
  </form>
  ${passkeyError}
  <div id="passkey-sign-in-box" hidden><p class="muted">Or sign in with a passkey, no password needed:</p>
  <p><button type="button" class="secondary" id="passkey-sign-in">Continue with a passkey</button></p></div>
  <p><a href="/reset" id="forgot-password">Forgot your password?</a></p>
  ${ctx.config.registration === 'open' ? html`<p>New here? <a href="/sign-up">Create an account</a>.</p>` : ''}
</section>`, undefined, { scripts: challengeScripts(o.challenge, PASSKEY_SCRIPTS) });
}

/** The second step of sign-in: a passkey, a code from the authenticator app, or a recovery code. */
export function secondFactorPage(ctx: PageContext, o: { csrf: string; flowId: string; methods: readonly string[]; error?: string | undefined }): SafeHtml {
  return page(ctx, 'Confirm it’s you', html`<section class="card narrow">
  <h1>Confirm it’s you</h1>
  ${alertBox('error', o.error)}
  ${secondFactorForms({
    action: '/sign-in/second-factor', flowField: 'flowId', flowId: o.flowId, csrf: o.csrf, methods: o.methods,
    passkey: { optionsUrl: '/api/v1/passkeys/second-factor/options', verifyUrl: '/api/v1/sessions/second-factor', next: 'account' },
  })}
  <p><a href="/sign-in">Start again</a></p>
</section>`, undefined, { scripts: PASSKEY_SCRIPTS });
}

export interface PasskeyStep {
  /** Where the script gets the options, and where it sends the passkey's answer (`{flowId, method: "passkey", response}`). */
  optionsUrl: string;
  verifyUrl: string;
  /** Step-up: no flow id is sent (the challenge is bound to the session). */
  flowless?: boolean;
  /** After success: "account" (the security page, or the password page when it must change) or a path. */
  next: string;
}

/**
 * The ways to prove the second factor, at sign-in and in a reset: "Use a passkey" (a button the script
 * drives), the authenticator-code form, and the recovery-code form behind a disclosure.
 */
export function secondFactorForms(o: { action: string; flowField: string; flowId: string; csrf: string; methods: readonly string[]; passkey?: PasskeyStep }): SafeHtml {
  const passkey = o.passkey && o.methods.includes('passkey');
  const totp = o.methods.includes('totp');
  return html`${passkey && o.passkey ? html`${passkeyError}<div id="passkey-step" hidden>
    <p>Use the passkey on this device or your security key.</p>
    <button type="button" class="primary" id="use-passkey"${o.passkey.flowless ? '' : html` data-flow-id="${o.flowId}"`} data-options-url="${o.passkey.optionsUrl}" data-verify-url="${o.passkey.verifyUrl}" data-next="${o.passkey.next}">Use a passkey</button>
  </div>
  <noscript><p class="muted">Passkeys need JavaScript.${totp ? ' Use a code from your authenticator app instead.' : ' Use a recovery code instead.'}</p></noscript>` : ''}
  ${totp || !passkey ? html`<form method="post" action="${o.action}" novalidate id="second-factor-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="${o.flowField}" value="${o.flowId}">
    <input type="hidden" name="method" value="totp">
    <div class="field">
      <label for="code">Code from your authenticator app</label>
      <input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" maxlength="32" required${passkey ? '' : html` autofocus`}>
    </div>
    <button type="submit" class="primary">Continue</button>
  </form>` : ''}
  ${o.methods.includes('recovery_code') ? html`<details>
    <summary>Use a recovery code instead</summary>
    <form method="post" action="${o.action}" novalidate id="recovery-code-form">
      <input type="hidden" name="_csrf" value="${o.csrf}">
      <input type="hidden" name="${o.flowField}" value="${o.flowId}">
      <input type="hidden" name="method" value="recovery_code">
      <div class="field">
        <label for="recovery-code">Recovery code</label>
        <input type="text" id="recovery-code" name="code" autocomplete="off" autocapitalize="off" spellcheck="false" maxlength="32" required>
      </div>
      <button type="submit">Continue with a recovery code</button>
    </form>
  </details>` : ''}`;
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

export function signUpPage(ctx: PageContext, o: { csrf: string; email?: string | undefined; displayName?: string | undefined; error?: string | undefined; rules: NewPasswordRules; challenge?: ChallengeView | undefined }): SafeHtml {
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
    ${challengeFields(o.challenge)}
    <button type="submit" class="primary">Create account</button>
  </form>
  <p>Already have an account? <a href="/sign-in">Sign in</a>.</p>
</section>`, undefined, { scripts: challengeScripts(o.challenge) });
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
  reported: 'signed out when “This wasn’t me” was reported',
  'password-locked': 'signed out when its password was locked after too many wrong tries',
};

export function securityPage(
  ctx: PageContext,
  o: {
    csrf: string; displayName: string; email: string; passwordChangedAt: number | null; devices: DeviceView[]; factors?: readonly string[]; securityQuestions?: boolean;
    passkeys?: ReadonlyArray<{ id: string; name: string; createdAt: number; lastUsedAt: number | null; backedUp: boolean }>;
    notice?: string | undefined; error?: string | undefined;
  },
): SafeHtml {
  // This device first: it is the one a person recognises, then the others by last activity.
  const live = o.devices.filter((d) => d.revokedAt === null).sort((a, b) => Number(b.current) - Number(a.current));
  const ended = o.devices.filter((d) => d.revokedAt !== null);
  const others = live.filter((d) => !d.current).length;
  const secondFactor = (o.factors ?? []).length > 0 || (o.passkeys ?? []).length > 0;
  return page(ctx, 'Security', html`<section class="card">
  <h1>Security</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <p class="muted">Signed in as ${o.displayName} (${o.email})</p>
  <h2>Password</h2>
  <p id="password-age">${o.passwordChangedAt ? `Last changed ${when(o.passwordChangedAt)}.` : 'No password set.'}</p>
  <p><a class="button" href="/security/password">Change password</a></p>
  <h2>Two-step verification</h2>
  <p id="two-factor-summary">${secondFactor ? `On: signing in needs ${secondFactorWords((o.factors ?? []).length > 0, (o.passkeys ?? []).length > 0)}.` : 'Off.'} <a href="/security/two-factor" id="two-factor-link">${secondFactor ? 'Manage two-step verification' : 'Set up two-step verification'}</a></p>
  ${(o.factors ?? []).length > 0 ? html`<ul class="factor-names" id="factor-names">${(o.factors ?? []).map((n) => html`<li>${n}</li>`)}</ul>` : ''}
  ${passkeySection(o.csrf, o.passkeys ?? [])}
  ${o.securityQuestions ? html`<p><a href="/security/questions" id="security-questions-link">Security questions</a>: asked in a password reset when two-step verification is off.</p>` : ''}
  <h2>Email</h2>
  <p><a href="/security/email" id="email-settings-link">Email settings</a>: your anti-phishing phrase and a recovery address.</p>
  <h2>Recent activity</h2>
  <p><a href="/security/activity" id="activity-link">Recent activity</a>: sign-ins and changes to your account. Something you don’t recognise? Report it there with “This wasn’t me”.</p>
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
</section>`, { displayName: o.displayName, csrf: o.csrf }, { scripts: PASSKEY_SCRIPTS });
}

/**
 * Passkeys on the security page: each with rename and remove (plain forms), and "Add a passkey", which the
 * script drives (WebAuthn needs it) and shows only where the browser supports passkeys.
 */
function passkeySection(csrf: string, passkeys: ReadonlyArray<{ id: string; name: string; createdAt: number; lastUsedAt: number | null; backedUp: boolean }>): SafeHtml {
  return html`<h2>Passkeys</h2>
  <p class="muted">A passkey signs you in with your fingerprint, face, screen lock or security key, without a password, and can stand in for the code after your password. It works only on this site, so it can’t be phished.</p>
  ${passkeys.length > 0 ? html`<ul class="devices" id="passkeys">
  ${passkeys.map((p) => html`<li class="device passkey" data-passkey-id="${p.id}">
    <div><strong class="passkey-name">${p.name}</strong>${p.backedUp ? html` <span class="badge">Synced</span>` : ''}
    <div class="muted">Added ${when(p.createdAt)} · ${p.lastUsedAt ? `last used ${when(p.lastUsedAt)}` : 'not used yet'}</div>
    <details><summary>Rename or remove</summary>
      <form method="post" action="/security/passkeys/${p.id}/rename" class="passkey-rename">
        <input type="hidden" name="_csrf" value="${csrf}">
        <div class="field"><label for="passkey-name-${p.id}">New name</label>
        <input type="text" id="passkey-name-${p.id}" name="name" maxlength="64" required value="${p.name}"></div>
        <button type="submit" class="secondary">Rename</button>
      </form>
      <form method="post" action="/security/passkeys/${p.id}/remove" class="passkey-remove">
        <input type="hidden" name="_csrf" value="${csrf}">
        <input type="hidden" name="username" value="" autocomplete="username">
        <div class="field"><label for="passkey-remove-password-${p.id}">Current password</label>
        <input type="password" id="passkey-remove-password-${p.id}" name="currentPassword" autocomplete="current-password" required maxlength="1024"></div>
        <button type="submit" class="secondary">Remove passkey</button>
      </form>
    </details></div>
  </li>`)}
  </ul>` : html`<p id="no-passkeys">No passkeys yet.</p>`}
  ${passkeyError}
  <div id="passkey-add" hidden>
    <div class="field"><label for="new-passkey-name">Name for the new passkey <span class="muted">(optional)</span></label>
    <input type="text" id="new-passkey-name" maxlength="64" autocomplete="off"></div>
    <button type="button" class="secondary" id="add-passkey">Add a passkey</button>
  </div>
  <noscript><p class="muted">Adding a passkey needs JavaScript.</p></noscript>
  <section id="passkey-recovery-codes" hidden>
    <p><strong>Your recovery codes</strong></p>
    <p>Each code signs you in once if you lose your passkey. Save them now somewhere safe, away from your devices: they are not shown again.</p>
    <ul class="recovery-codes"></ul>
    <p><a class="button" href="/security?notice=passkey-added" id="passkey-codes-saved">I saved my recovery codes</a></p>
  </section>`;
}

/** "a code from your authenticator app", "a passkey", or "a passkey or a code from your authenticator app". */
function secondFactorWords(app: boolean, passkey: boolean): string {
  return app && passkey ? 'a passkey or a code from your authenticator app' : passkey ? 'a passkey' : 'a code from your authenticator app';
}

function regenerateForm(csrf: string): SafeHtml {
  return html`<form method="post" action="/security/two-factor/recovery-codes" id="regenerate-recovery-codes">
    <input type="hidden" name="_csrf" value="${csrf}">
    <button type="submit" class="secondary">Make new recovery codes</button>
    <span class="muted">The old ones stop working.</span>
  </form>`;
}

export interface TwoFactorPageOptions {
  csrf: string;
  displayName: string;
  factors: ReadonlyArray<{ id: string; name: string; confirmedAt: number }>;
  recoveryCodesRemaining: number;
  /** Passkeys count as second factors too; they are managed on the security page. */
  passkeyCount?: number;
  /** An authenticator app being set up: the QR code (SVG markup, generated locally), the secret in text. */
  enrolment?: { qrSvg: string; secret: string } | undefined;
  /** Shown once, right after the first factor was confirmed. */
  recoveryCodes?: readonly string[] | undefined;
  notice?: string | undefined;
  error?: string | undefined;
}

/** Security settings: two-step verification (authenticator apps and recovery codes). */
export function twoFactorPage(ctx: PageContext, o: TwoFactorPageOptions): SafeHtml {
  const passkeys = o.passkeyCount ?? 0;
  const on = o.factors.length > 0 || passkeys > 0;
  return page(ctx, 'Two-step verification', html`<section class="card">
  <h1>Two-step verification</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <p id="two-factor-status">${on
    ? `Two-step verification is on: signing in needs your password and ${o.factors.length > 0 && passkeys > 0 ? 'a passkey or a code from your authenticator app' : passkeys > 0 ? 'a passkey' : 'a code from your authenticator app'}.`
    : 'Two-step verification is off: your password alone signs you in.'}</p>
  ${o.recoveryCodes ? html`<h2>Your recovery codes</h2>
  <p>Each code signs you in once if you lose your phone. Save them now somewhere safe, away from your devices: they are not shown again.</p>
  <ul class="recovery-codes" id="recovery-codes">${o.recoveryCodes.map((c) => html`<li><code>${c}</code></li>`)}</ul>` : ''}
  ${o.factors.length > 0 ? html`<h2>Authenticator apps</h2>
  <ul class="devices" id="factors">
  ${o.factors.map((f) => html`<li class="device" data-factor-id="${f.id}">
    <div><strong class="factor-name">${f.name}</strong><div class="muted">Added ${when(f.confirmedAt)}</div></div>
    <form method="post" action="/security/two-factor/${f.id}/rename" class="inline rename-factor">
      <input type="hidden" name="_csrf" value="${o.csrf}">
      <label for="factor-name-${f.id}">Name</label>
      <input type="text" id="factor-name-${f.id}" name="name" value="${f.name}" required maxlength="64" autocomplete="off">
      <button type="submit" class="secondary">Rename</button>
    </form>
    <form method="post" action="/security/two-factor/${f.id}/remove" class="inline remove-factor">
      <input type="hidden" name="_csrf" value="${o.csrf}">
      <input type="hidden" name="username" value="" autocomplete="username">
      <label for="remove-password-${f.id}">Current password</label>
      <input type="password" id="remove-password-${f.id}" name="currentPassword" autocomplete="current-password" required maxlength="1024">
      <button type="submit" class="secondary">Remove</button>
    </form>
  </li>`)}
  </ul>
  <p class="muted" id="recovery-codes-left">${o.recoveryCodesRemaining} unused recovery codes left.</p>
  ${regenerateForm(o.csrf)}` : ''}
  ${passkeys > 0 ? html`<p id="passkey-summary">${passkeys === 1 ? '1 passkey' : `${passkeys} passkeys`}: add, rename or remove them on the <a href="/security">security page</a>.</p>
  ${o.factors.length === 0 ? html`<p class="muted" id="recovery-codes-left">${o.recoveryCodesRemaining} unused recovery codes left.</p>
  ${regenerateForm(o.csrf)}` : ''}` : ''}
  ${o.enrolment ? html`<h2>Set up an authenticator app</h2>
  <ol>
    <li>Open your authenticator app and scan this code:
      <div class="qr"><img id="totp-qr" alt="QR code for your authenticator app" width="200" height="200" src="data:image/svg+xml;base64,${Buffer.from(o.enrolment.qrSvg, 'utf8').toString('base64')}"></div>
    </li>
    <li>Or type this key into the app: <code id="totp-secret">${o.enrolment.secret}</code></li>
    <li>Enter the 6-digit code the app shows:
      <form method="post" action="/security/two-factor/totp/confirm">
        <input type="hidden" name="_csrf" value="${o.csrf}">
        <div class="field">
          <label for="totp-code">Code from the app</label>
          <input type="text" id="totp-code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="32" required>
        </div>
        <button type="submit" class="primary">Confirm</button>
      </form>
    </li>
  </ol>` : html`<form method="post" action="/security/two-factor/totp">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <button type="submit" class="primary" id="setup-totp">Set up an authenticator app</button>
  </form>`}
  <p><a href="/security">Back to security</a></p>
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
