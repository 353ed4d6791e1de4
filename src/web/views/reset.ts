// The reset portal: ask for an email, type the emailed code, choose the new password. Help for every step.
import { html, type SafeHtml } from '../html.js';
import { alertBox, passwordField } from './layout.js';
import { newPasswordOptions, page, PASSKEY_SCRIPTS, secondFactorForms, type NewPasswordRules, type PageContext } from './pages.js';
import { challengeFields, challengeScripts, type ChallengeView } from './challenge.js';

function help(ctx: PageContext): SafeHtml {
  return html`<details class="help" id="reset-help" open>
  <summary>Didn’t get the email?</summary>
  <ul>
    <li>Look in your spam or junk folder.</li>
    <li>Wait a minute: emails can take a little while to arrive.</li>
    <li>Ask again below. Every reset email you received in the last 30 minutes still works until you use one.</li>
    <li>If you set up a recovery address, the email goes there too: check that mailbox.</li>
    <li>Still nothing? Contact the help desk${ctx.config.supportContact ? html`: <span id="support-contact">${ctx.config.supportContact}</span>` : ''}.</li>
  </ul>
</details>`;
}

export function resetRequestPage(ctx: PageContext, o: { csrf: string; email?: string | undefined; error?: string | undefined; notice?: string | undefined; sent?: boolean; challenge?: ChallengeView | undefined }): SafeHtml {
  return page(ctx, 'Reset your password', html`<section class="card narrow">
  <h1>Reset your password</h1>
  ${alertBox('error', o.error)}${alertBox('notice', o.notice)}
  <p>Enter the email address you sign in with. We’ll send a link and an 8-digit code to it (and to your recovery address, if you have one). Both work for 30 minutes, once.</p>
  <form method="post" action="/reset" novalidate id="reset-request-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="email">Email address</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}" autofocus>
    </div>
    ${challengeFields(o.challenge)}
    <button type="submit" class="primary">${o.sent ? 'Send again' : 'Send reset email'}</button>
  </form>
  <p>Reading the email on another device? <a href="/reset/code${o.email ? `?email=${encodeURIComponent(o.email)}` : ''}" id="enter-code">Type the code instead</a>.</p>
  ${help(ctx)}
  <p><a href="/sign-in">Back to sign in</a></p>
</section>`, undefined, { scripts: challengeScripts(o.challenge) });
}

/**
 * What the emailed link opens: one button. Opening it changes nothing (mail scanners open links); the token
 * rides only in the form's hidden field, and only the POST uses it.
 */
export function resetLinkPage(ctx: PageContext, o: { csrf: string; token: string }): SafeHtml {
  return page(ctx, 'Reset your password', html`<section class="card narrow">
  <h1>Reset your password</h1>
  <p>You asked to reset your password. Continue to choose a new one.</p>
  <form method="post" action="/reset/link" id="reset-link-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="token" value="${o.token}">
    <button type="submit" class="primary" id="reset-continue">Continue</button>
  </form>
  <p class="muted">Didn’t ask for this? Close this page: nothing changes, and your password stays as it is.</p>
</section>`);
}

export function resetCodePage(ctx: PageContext, o: { csrf: string; email?: string | undefined; error?: string | undefined }): SafeHtml {
  return page(ctx, 'Enter your reset code', html`<section class="card narrow">
  <h1>Enter your reset code</h1>
  ${alertBox('error', o.error)}
  <p>Type the 8-digit code from the reset email. After 5 wrong codes it stops working; the link in the same email still works.</p>
  <form method="post" action="/reset/code" novalidate id="reset-code-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="email">Email address</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}">
    </div>
    <div class="field">
      <label for="code">Code</label>
      <input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]{8}" maxlength="8" required>
    </div>
    <button type="submit" class="primary">Continue</button>
  </form>
  ${help(ctx)}
  <p><a href="/reset">Ask for a new email</a> · <a href="/sign-in">Back to sign in</a></p>
</section>`);
}

export function resetNewPasswordPage(ctx: PageContext, o: { csrf: string; flowId: string; email: string; rules: NewPasswordRules; error?: string | undefined; errorField?: 'newPassword' | 'confirmPassword' | undefined }): SafeHtml {
  const fieldError = (f: 'newPassword' | 'confirmPassword'): string | undefined => (o.errorField === f ? o.error : undefined);
  return page(ctx, 'Choose a new password', html`<section class="card narrow">
  <h1>Choose a new password</h1>
  ${o.errorField ? '' : alertBox('error', o.error)}
  <p>When you save it, every device signed in to your account is signed out. Then sign in with the new password.</p>
  <form method="post" action="/reset/new" novalidate id="reset-password-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="flow" value="${o.flowId}">
    <input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>
    ${passwordField({ id: 'newPassword', name: 'newPassword', label: 'New password', autocomplete: 'new-password', hint: 'Any characters, including spaces. Don’t reuse a password from another site.', error: fieldError('newPassword'), autofocus: true, newPassword: newPasswordOptions(o.rules, 'newPassword') })}
    ${passwordField({ id: 'confirmPassword', name: 'confirmPassword', label: 'Confirm new password', autocomplete: 'new-password', error: fieldError('confirmPassword'), matches: 'newPassword' })}
    <p class="field-error" id="confirm-mismatch" role="alert" hidden>The two new passwords don’t match. Type the same password in both boxes.</p>
    <button type="submit" class="primary">Save new password</button>
  </form>
</section>`);
}

/** The second method of a reset whose account has a second factor. */
export function resetSecondFactorPage(ctx: PageContext, o: { csrf: string; flowId: string; methods: readonly string[]; error?: string | undefined }): SafeHtml {
  return page(ctx, 'Confirm it’s you', html`<section class="card narrow">
  <h1>Confirm it’s you</h1>
  ${alertBox('error', o.error)}
  <p>Your account uses two-step verification, so the email alone can’t reset its password. ${ways(o.methods)}.</p>
  ${secondFactorForms({
    action: '/reset/second-factor', flowField: 'flow', flowId: o.flowId, csrf: o.csrf, methods: o.methods,
    passkey: { optionsUrl: '/api/v1/passkeys/reset/options', verifyUrl: '/api/v1/password/reset/second-factor', next: `/reset/new?flow=${encodeURIComponent(o.flowId)}` },
  })}
  <p>Lost your phone and your recovery codes? Contact the help desk${ctx.config.supportContact ? html`: <span>${ctx.config.supportContact}</span>` : ''}. They can confirm who you are another way.</p>
</section>`, undefined, { scripts: PASSKEY_SCRIPTS });
}

/** "Use your passkey, enter the current code from your authenticator app, or use one of your recovery codes" */
function ways(methods: readonly string[]): string {
  const list = [
    methods.includes('passkey') ? 'use your passkey' : null,
    methods.includes('totp') ? 'enter the current code from your authenticator app' : null,
    'use one of your recovery codes',
  ].filter((w): w is string => w !== null);
  const text = list.length > 1 ? `${list.slice(0, -1).join(', ')}, or ${list.at(-1)!}` : list[0]!;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The security questions of a reset (organisation option, accounts without a second factor). */
export function resetQuestionsPage(ctx: PageContext, o: { csrf: string; flowId: string; questions: ReadonlyArray<{ id: string; text: string }>; error?: string | undefined }): SafeHtml {
  return page(ctx, 'Answer your security questions', html`<section class="card narrow">
  <h1>Answer your security questions</h1>
  ${alertBox('error', o.error)}
  <p>Type the answers you chose in your security settings. Capitals, accents, spaces and punctuation don’t matter.</p>
  <form method="post" action="/reset/security-questions" novalidate id="reset-questions-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="flow" value="${o.flowId}">
    ${o.questions.map((q, i) => html`<div class="field">
      <label for="answer-${i}">${q.text}</label>
      <input type="hidden" name="q${i}" value="${q.id}">
      <input type="text" id="answer-${i}" name="a${i}" autocomplete="off" spellcheck="false" maxlength="200" required${i === 0 ? ' autofocus' : ''}>
    </div>`)}
    <button type="submit" class="primary">Continue</button>
  </form>
</section>`);
}

/** A role that needs two methods and has only its email. */
export function resetHelpDeskPage(ctx: PageContext, o: { message: string }): SafeHtml {
  return page(ctx, 'Contact the help desk', html`<section class="card narrow">
  <h1>Contact the help desk</h1>
  ${alertBox('error', o.message)}
  <p>Your password stays as it is.${ctx.config.supportContact ? html` Help desk: <span id="support-contact">${ctx.config.supportContact}</span>.` : ''}</p>
  <p><a href="/sign-in">Back to sign in</a></p>
</section>`);
}
