// /security/email: the anti-phishing phrase and the recovery address.
import { html, type SafeHtml } from '../html.js';
import { alertBox, layout, passwordField } from './layout.js';
import type { MailPreferences } from '../../store/mail-preferences.js';

interface Ctx {
  config: { organizationName: string; supportContact?: string | undefined };
}

export function mailSettingsPage(
  ctx: Ctx,
  o: { csrf: string; displayName: string; email: string; settings: MailPreferences; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const s = o.settings;
  const csrf = html`<input type="hidden" name="_csrf" value="${o.csrf}">`;
  const username = html`<input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>`;
  return layout({
    title: 'Email settings',
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    signedIn: { displayName: o.displayName, csrf: o.csrf },
    body: html`<section class="card">
  <p><a href="/security">← Security</a></p>
  <h1>Email settings</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <h2>Anti-phishing phrase</h2>
  <p>Choose a private phrase. Every genuine email from ${ctx.config.organizationName} shows it at the very top, so an email that
  claims to be from us without it is a fake. Don’t use a password.</p>
  <p id="current-phrase">${s.antiPhishingPhrase ? html`Your phrase: <strong>${s.antiPhishingPhrase}</strong>` : 'You have not set a phrase.'}</p>
  <form method="post" action="/security/email/phrase" novalidate>
    ${csrf}${username}
    <div class="field"><label for="phrase">Phrase <span class="muted">(up to 64 characters; leave empty to remove it)</span></label>
      <input type="text" id="phrase" name="phrase" maxlength="64" autocomplete="off" value="${s.antiPhishingPhrase ?? ''}"></div>
    ${passwordField({ id: 'phrase-password', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password' })}
    <button type="submit" class="primary">Save phrase</button>
  </form>
  <h2>Recovery email address</h2>
  <p>A second address, outside the mailbox this account protects. Reset codes and security notices go to both, so you can
  still get back in when you cannot open ${o.email}.</p>
  ${s.recoveryEmail ? html`<p id="recovery-email">Recovery address: <strong>${s.recoveryEmail}</strong> (confirmed)</p>
  <form method="post" action="/security/email/recovery/remove" novalidate>${csrf}${username}
    ${passwordField({ id: 'remove-password', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password' })}
    <button type="submit" class="secondary">Remove recovery address</button></form>` : html`<p id="recovery-email">No recovery address yet.</p>`}
  ${s.pendingRecoveryEmail ? html`<form method="post" action="/security/email/recovery/verify" novalidate id="verify-form">${csrf}
    <div class="field"><label for="code">Code sent to ${s.pendingRecoveryEmail}</label>
      <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{8}" maxlength="8" required></div>
    <button type="submit" class="primary">Confirm address</button></form>` : ''}
  <form method="post" action="/security/email/recovery" novalidate>${csrf}${username}
    <div class="field"><label for="recovery">${s.recoveryEmail ? 'Replace it with' : 'Recovery address'}</label>
      <input type="email" id="recovery" name="email" autocomplete="email" inputmode="email" maxlength="254" required></div>
    ${passwordField({ id: 'recovery-password', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password' })}
    <button type="submit" class="primary">Send a code</button>
  </form>
</section>`,
  });
}
