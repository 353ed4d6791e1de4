// "Confirm it's you": the step-up page a stale session sees before a sensitive change (flows/step-up.ts).
import { html, type SafeHtml } from '../html.js';
import { alertBox, passwordField } from './layout.js';
import { page, PASSKEY_SCRIPTS, secondFactorForms, type PageContext } from './pages.js';
import { translatorOf } from '../i18n.js';

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
  const t = translatorOf(ctx);
  const how = factor ? (o.methods.includes('totp') ? (o.methods.includes('passkey') ? 'both' : 'totp') : 'passkey') : 'password';
  return page(
    ctx,
    t.t('page.common.confirmItsYou'),
    html`<section class="card narrow" id="confirm-its-you">
  <h1>${t.t('page.common.confirmItsYou')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.stepUp.intro', { minutes: o.minutes, how })}</p>
  ${
    factor
      ? secondFactorForms({
          translator: t,
          action: '/security/confirm',
          flowField: 'next',
          flowId: o.next,
          csrf: o.csrf,
          methods: o.methods,
          passkey: { optionsUrl: '/api/v1/passkeys/step-up/options', verifyUrl: '/api/v1/session/reauthenticate', next: o.next, flowless: true },
        })
      : html`<form method="post" action="/security/confirm" novalidate id="confirm-password-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="next" value="${o.next}">
    <input type="hidden" name="method" value="password">
    <input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>
    ${passwordField({ id: 'password', name: 'password', label: t.t('page.common.password'), autocomplete: 'current-password', autofocus: true, translator: t })}
    <button type="submit" class="primary">${t.t('page.common.continue')}</button>
  </form>`
  }
  <p><a href="${o.next}">${t.t('page.common.cancel')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
    { scripts: PASSKEY_SCRIPTS },
  );
}
