// After the sign-up form (the form itself is signUpPage in pages.ts): "check your inbox" with the code entry, the
// page the emailed link opens, and the code entry on its own (another device, an administrator's account).
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import { link, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';

function codeForm(t: Translator, o: { csrf: string; email?: string | undefined; askEmail: boolean }): SafeHtml {
  return html`<form method="post" action="/sign-up/verify" novalidate id="sign-up-code-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    ${
      o.askEmail
        ? html`<div class="field">
      <label for="email">${t.t('page.common.email')}</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}">
    </div>`
        : html`<input type="hidden" name="email" value="${o.email ?? ''}">`
    }
    <div class="field">
      <label for="code">${t.t('page.signUp.codeLabel')}</label>
      <p class="hint" id="code-hint">${t.t('page.signUp.codeHint')}</p>
      <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{8,9}" maxlength="12" required aria-describedby="code-hint">
    </div>
    <button type="submit" class="primary">${t.t('page.signUp.confirmSubmit')}</button>
  </form>`;
}

/**
 * What the sign-up form answers, the same for a new address and a taken one: check the inbox, and the code entry.
 * With `email` unknown (opened directly, or from an administrator's confirmation email) the address is asked too.
 */
export function signUpConfirmPage(ctx: PageContext, o: { csrf: string; email?: string | undefined; sent: boolean; error?: string | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  const title = o.sent ? t.t('page.signUp.checkInboxTitle') : t.t('page.signUp.verifyTitle');
  return page(
    ctx,
    title,
    html`<section class="card narrow">
  <h1>${title}</h1>
  ${alertBox('error', o.error)}
  ${o.sent ? html`<p id="check-inbox">${t.t('page.signUp.checkInbox', { email: o.email ?? '' })}</p>` : ''}
  ${codeForm(t, { csrf: o.csrf, email: o.email, askEmail: !o.sent })}
  ${o.sent ? html`<p class="muted">${markup(t, 'page.signUp.noEmail', { a: link('/sign-up', { id: 'sign-up-again' }) })}</p>` : ''}
  <p>${markup(t, 'page.signUp.haveAccount', { a: link('/sign-in') })}</p>
</section>`,
  );
}

/**
 * What the emailed link opens: the address and one button. Opening it changes nothing (mail scanners open links);
 * the token rides only in the form's hidden field, and only the POST uses it.
 */
export function signUpLinkPage(ctx: PageContext, o: { csrf: string; token: string; email: string }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.signUp.verifyTitle'),
    html`<section class="card narrow">
  <h1>${t.t('page.signUp.verifyTitle')}</h1>
  <p>${t.t('page.signUp.verifyIntro', { email: o.email })}</p>
  <form method="post" action="/sign-up/verify" id="sign-up-link-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="token" value="${o.token}">
    <button type="submit" class="primary" id="confirm-address">${t.t('page.signUp.verifyButton')}</button>
  </form>
  <p class="muted">${markup(t, 'page.signUp.enterCode', { a: link('/sign-up/verify', { id: 'enter-code' }) })}</p>
</section>`,
  );
}
