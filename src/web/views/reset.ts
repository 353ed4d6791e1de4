// The reset portal: ask for an email, type the emailed code, choose the new password. Help for every step.
import { html, type SafeHtml } from '../html.js';
import { alertBox, passwordField } from './layout.js';
import { newPasswordOptions, page, PASSKEY_SCRIPTS, secondFactorForms, type NewPasswordRules, type PageContext } from './pages.js';
import { challengeFields, challengeScripts, type ChallengeView } from './challenge.js';
import { element, link, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import type { SupportContact } from '../../core/support-contact.js';
import { contactParts, supportBox, supportOf } from './support.js';

/** The sentence that names the help desk's contact, or undefined when none is configured (the caller says another). */
function withContact(ctx: PageContext, sentence: (support: SupportContact) => SafeHtml): SafeHtml | undefined {
  const support = supportOf(ctx);
  return support ? sentence(support) : undefined;
}

function help(ctx: PageContext, t: Translator): SafeHtml {
  return html`<details class="help" id="reset-help" open>
  <summary>${t.t('page.resetHelp.summary')}</summary>
  <ul>
    <li>${t.t('page.resetHelp.spam')}</li>
    <li>${t.t('page.resetHelp.wait')}</li>
    <li>${t.t('page.resetHelp.askAgain')}</li>
    <li>${t.t('page.resetHelp.recovery')}</li>
    <li>${withContact(ctx, (support) => markup(t, 'page.resetHelp.contactWith', { support: contactParts(t, support), contact: element('span', { id: 'support-contact' }) })) ?? t.t('page.resetHelp.contact')}</li>
  </ul>
</details>`;
}

export function resetRequestPage(
  ctx: PageContext,
  o: {
    csrf: string;
    email?: string | undefined;
    error?: string | undefined;
    notice?: string | undefined;
    sent?: boolean;
    challenge?: ChallengeView | undefined;
  },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.reset.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.reset.title')}</h1>
  ${alertBox('error', o.error)}${alertBox('notice', o.notice)}
  <p>${t.t('page.reset.intro')}</p>
  <form method="post" action="/reset" novalidate id="reset-request-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="email">${t.t('page.common.email')}</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}" autofocus>
    </div>
    ${challengeFields(o.challenge, t)}
    <button type="submit" class="primary">${o.sent ? t.t('page.reset.sendAgain') : t.t('page.reset.send')}</button>
  </form>
  <p>${markup(t, 'page.reset.otherDevice', { a: link(`/reset/code${o.email ? `?email=${encodeURIComponent(o.email)}` : ''}`, { id: 'enter-code' }) })}</p>
  ${supportBox(t, supportOf(ctx))}
  ${help(ctx, t)}
  <p><a href="/sign-in">${t.t('page.common.backToSignIn')}</a></p>
</section>`,
    undefined,
    { scripts: challengeScripts(o.challenge) },
  );
}

/**
 * What the emailed link opens: one button. Opening it changes nothing (mail scanners open links); the token
 * rides only in the form's hidden field, and only the POST uses it.
 */
export function resetLinkPage(ctx: PageContext, o: { csrf: string; token: string }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.reset.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.reset.title')}</h1>
  <p>${t.t('page.resetLink.intro')}</p>
  <form method="post" action="/reset/link" id="reset-link-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="token" value="${o.token}">
    <button type="submit" class="primary" id="reset-continue">${t.t('page.common.continue')}</button>
  </form>
  <p class="muted">${t.t('page.resetLink.notYou')}</p>
</section>`,
  );
}

export function resetCodePage(ctx: PageContext, o: { csrf: string; email?: string | undefined; error?: string | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.resetCode.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.resetCode.title')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.resetCode.intro')}</p>
  <form method="post" action="/reset/code" novalidate id="reset-code-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="email">${t.t('page.common.email')}</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}">
    </div>
    <div class="field">
      <label for="code">${t.t('page.resetCode.code')}</label>
      <input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]{8}" maxlength="8" required>
    </div>
    <button type="submit" class="primary">${t.t('page.common.continue')}</button>
  </form>
  ${help(ctx, t)}
  <p><a href="/reset">${t.t('page.resetCode.newEmail')}</a> · <a href="/sign-in">${t.t('page.common.backToSignIn')}</a></p>
</section>`,
  );
}

export function resetNewPasswordPage(
  ctx: PageContext,
  o: {
    csrf: string;
    flowId: string;
    email: string;
    rules: NewPasswordRules;
    error?: string | undefined;
    errorField?: 'newPassword' | 'confirmPassword' | undefined;
  },
): SafeHtml {
  const fieldError = (f: 'newPassword' | 'confirmPassword'): string | undefined => (o.errorField === f ? o.error : undefined);
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.resetNew.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.resetNew.title')}</h1>
  ${o.errorField ? '' : alertBox('error', o.error)}
  <p>${t.t('page.resetNew.intro')}</p>
  <form method="post" action="/reset/new" novalidate id="reset-password-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="flow" value="${o.flowId}">
    <input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>
    ${passwordField({ id: 'newPassword', name: 'newPassword', label: t.t('page.common.newPassword'), autocomplete: 'new-password', hint: t.t('page.common.newPasswordHint'), error: fieldError('newPassword'), autofocus: true, newPassword: newPasswordOptions(o.rules, 'newPassword', t), translator: t })}
    ${passwordField({ id: 'confirmPassword', name: 'confirmPassword', label: t.t('page.common.confirmNewPassword'), autocomplete: 'new-password', error: fieldError('confirmPassword'), matches: 'newPassword', translator: t })}
    <p class="field-error" id="confirm-mismatch" role="alert" hidden>${t.t('error.PASSWORD_CONFIRMATION_MISMATCH')}</p>
    <button type="submit" class="primary">${t.t('page.resetNew.submit')}</button>
  </form>
</section>`,
  );
}

/** The second method of a reset whose account has a second factor. */
export function resetSecondFactorPage(ctx: PageContext, o: { csrf: string; flowId: string; methods: readonly string[]; error?: string | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.common.confirmItsYou'),
    html`<section class="card narrow">
  <h1>${t.t('page.common.confirmItsYou')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.resetSecondFactor.intro', { ways: o.methods.includes('passkey') ? (o.methods.includes('totp') ? 'all' : 'passkey') : o.methods.includes('totp') ? 'totp' : 'recoveryCode' })}</p>
  ${secondFactorForms({
    translator: t,
    action: '/reset/second-factor',
    flowField: 'flow',
    flowId: o.flowId,
    csrf: o.csrf,
    methods: o.methods,
    passkey: {
      optionsUrl: '/api/v1/passkeys/reset/options',
      verifyUrl: '/api/v1/password/reset/second-factor',
      next: `/reset/new?flow=${encodeURIComponent(o.flowId)}`,
    },
  })}
  <p>${withContact(ctx, (support) => markup(t, 'page.resetSecondFactor.lostWith', { support: contactParts(t, support), contact: element('span') })) ?? t.t('page.resetSecondFactor.lost')}</p>
</section>`,
    undefined,
    { scripts: PASSKEY_SCRIPTS },
  );
}

/** The security questions of a reset (organisation option, accounts without a second factor). */
export function resetQuestionsPage(
  ctx: PageContext,
  o: { csrf: string; flowId: string; questions: ReadonlyArray<{ id: string; text: string }>; error?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.resetQuestions.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.resetQuestions.title')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.resetQuestions.intro')}</p>
  <form method="post" action="/reset/security-questions" novalidate id="reset-questions-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="flow" value="${o.flowId}">
    ${o.questions.map(
      (q, i) => html`<div class="field">
      <label for="answer-${i}">${q.text}</label>
      <input type="hidden" name="q${i}" value="${q.id}">
      <input type="text" id="answer-${i}" name="a${i}" autocomplete="off" spellcheck="false" maxlength="200" required${i === 0 ? ' autofocus' : ''}>
    </div>`,
    )}
    <button type="submit" class="primary">${t.t('page.common.continue')}</button>
  </form>
</section>`,
  );
}

/** A role that needs two methods and has only its email. */
export function resetHelpDeskPage(ctx: PageContext, o: { message: string }): SafeHtml {
  const t = translatorOf(ctx);
  // Without a contact configured the page names no help desk: nobody could reach it from here.
  const title = supportOf(ctx) ? t.t('page.resetHelpDesk.title') : t.t('page.resetHelpDesk.titleNoContact');
  return page(
    ctx,
    title,
    html`<section class="card narrow">
  <h1>${title}</h1>
  ${alertBox('error', o.message)}
  <p>${withContact(ctx, (support) => markup(t, 'page.resetHelpDesk.unchangedWith', { support: contactParts(t, support), contact: element('span', { id: 'support-contact' }) })) ?? t.t('page.resetHelpDesk.unchanged')}</p>
  <p><a href="/sign-in">${t.t('page.common.backToSignIn')}</a></p>
</section>`,
  );
}
