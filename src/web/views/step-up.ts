// "Confirm it's you": the step-up page a stale session sees before a sensitive change (flows/step-up.ts).
import { html, type SafeHtml } from '../html.js';
import { alertBox, passwordField } from './layout.js';
import { page, PASSKEY_SCRIPTS, secondFactorForms, type PageContext } from './pages.js';

export interface ConfirmPageOptions {
  csrf: string;
  displayName: string;
  email: string;
  /** The validated same-site path to continue to. */
  next: string;
  /** What the account accepts: 'password', or its second factors ('totp', 'recovery_code'). */
  methods: readonly string[];
  minutes: number;
  error?: string | undefined;
}

export function confirmPage(ctx: PageContext, o: ConfirmPageOptions): SafeHtml {
  const factor = !o.methods.includes('password');
  return page(ctx, 'Confirm it’s you', html`<section class="card narrow" id="confirm-its-you">
  <h1>Confirm it’s you</h1>
  ${alertBox('error', o.error)}
  <p>This change protects your account, so we ask again if you signed in more than ${String(o.minutes)} minutes ago.
  ${factor ? (o.methods.includes('totp') ? (o.methods.includes('passkey') ? 'Use your passkey or enter a code from your authenticator app.' : 'Enter a code from your authenticator app.') : 'Use your passkey.') : 'Enter your password.'} Then you can carry on where you were.</p>
  ${factor
    ? secondFactorForms({
      action: '/security/confirm', flowField: 'next', flowId: o.next, csrf: o.csrf, methods: o.methods,
      passkey: { optionsUrl: '/api/v1/passkeys/step-up/options', verifyUrl: '/api/v1/session/reauthenticate', next: o.next, flowless: true },
    })
    : html`<form method="post" action="/security/confirm" novalidate id="confirm-password-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="next" value="${o.next}">
    <input type="hidden" name="method" value="password">
    <input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>
    ${passwordField({ id: 'password', name: 'password', label: 'Password', autocomplete: 'current-password', autofocus: true })}
    <button type="submit" class="primary">Continue</button>
  </form>`}
  <p><a href="${o.next}">Cancel</a></p>
</section>`, { displayName: o.displayName, csrf: o.csrf }, { scripts: PASSKEY_SCRIPTS });
}
