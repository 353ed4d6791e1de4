// The sign-in address and "Your data": /security/email-address (change it, confirm with the emailed code), the page
// the emailed link opens (/email-change), /security/data (download, delete the account, keep it), the page the cancel
// link opens (/account-deletion/cancel), and what the security overview shows of them.
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import type { EmailAddressState } from '../../flows/change-email.js';
import type { AccountDataState } from '../../flows/account-data.js';
import { element, link, localTime, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';

const DAY_MS = 86_400_000;

function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

/** On /security: the sign-in address, with a link to change it (or why it can't be changed here). */
export function addressSection(ctx: PageContext, o: { address: string; changeable: boolean }): SafeHtml {
  const t = translatorOf(ctx);
  return html`<h2>${t.t('page.emailAddress.heading')}</h2>
  <p id="sign-in-address">${markup(t, 'page.emailAddress.current', { address: o.address, strong: element('strong') })}</p>
  ${
    o.changeable
      ? html`<p><a class="button" href="/security/email-address" id="change-email-link">${t.t('page.emailAddress.change')}</a></p>`
      : html`<p class="muted" id="address-from-directory">${t.t('page.emailAddress.fromDirectory')}</p>`
  }`;
}

/** On /security: the link to "Your data". */
export function dataSection(ctx: PageContext): SafeHtml {
  const t = translatorOf(ctx);
  return html`<h2>${t.t('page.data.title')}</h2>
  <p>${markup(t, 'page.data.securityLine', { a: link('/security/data', { id: 'your-data-link' }) })}</p>`;
}

/** At the top of /security and /security/data while a deletion is pending: when, and one button to keep the account. */
export function pendingDeletionBanner(ctx: PageContext, o: { csrf: string; dueAt: number }): SafeHtml {
  const t = translatorOf(ctx);
  return html`<div class="alert error" role="alert" id="pending-deletion">
    <p>${markup(t, 'page.data.pending', { dueAt: localTime(t, o.dueAt) })}</p>
    <form method="post" action="/security/data/deletion/cancel" class="inline">${csrfField(o.csrf)}
      <button type="submit" id="keep-account">${t.t('email.common.keepAccountLabel')}</button></form>
  </div>`;
}

export function emailAddressPage(
  ctx: PageContext,
  o: { csrf: string; displayName: string; state: EmailAddressState; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  const { state } = o;
  const pending = state.pending;
  return page(
    ctx,
    t.t('page.emailAddress.title'),
    html`<section class="card narrow">
  <p><a href="/security">${t.t('page.common.securityCrumb')}</a></p>
  <h1>${t.t('page.emailAddress.title')}</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <p id="sign-in-address">${markup(t, 'page.emailAddress.current', { address: state.address, strong: element('strong') })}</p>
  ${
    !state.changeable
      ? html`<p id="address-from-directory">${t.t('page.emailAddress.fromDirectory')}</p>`
      : html`${
          pending
            ? html`<form method="post" action="/security/email-address/confirm" novalidate id="confirm-email-form">${csrfField(o.csrf)}
    <p id="pending-address">${markup(t, 'page.emailAddress.sentTo', { address: pending.address, strong: element('strong') })}</p>
    <div class="field"><label for="email-code">${t.t('page.emailAddress.codeLabel')}</label>
      <input type="text" id="email-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required autofocus></div>
    <button type="submit" class="primary">${t.t('page.emailAddress.confirm')}</button>
  </form>
  <h2>${t.t('page.emailAddress.otherHeading')}</h2>`
            : ''
        }
  <p>${t.t('page.emailAddress.intro')}</p>
  <form method="post" action="/security/email-address" novalidate id="change-email-form">${csrfField(o.csrf)}
    <div class="field"><label for="new-email">${t.t('page.emailAddress.newLabel')}</label>
      <input type="email" id="new-email" name="email" autocomplete="email" inputmode="email" autocapitalize="off" spellcheck="false" maxlength="254" required${pending ? '' : html` autofocus`}></div>
    <button type="submit" class="${pending ? 'secondary' : 'primary'}">${t.t('page.emailAddress.send')}</button>
  </form>`
  }
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

/** The page the emailed link opens: what will change, and one button. Opening it changes nothing. */
export function emailChangeConfirmPage(ctx: PageContext, o: { csrf: string; token: string; address: string }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.emailChange.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.emailChange.title')}</h1>
  <p>${markup(t, 'page.emailChange.question', { address: o.address, strong: element('strong') })}</p>
  <p class="muted">${t.t('page.emailChange.explain')}</p>
  <form method="post" action="/email-change" id="email-change-form">${csrfField(o.csrf)}
    <input type="hidden" name="token" value="${o.token}">
    <button type="submit" class="primary" id="confirm-new-address">${t.t('page.emailChange.confirm')}</button>
  </form>
</section>`,
  );
}

/** After the link: done, or why it can't be used. */
export function emailChangeResultPage(ctx: PageContext, o: { address?: string; error?: string; signedIn: boolean }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.emailChange.title'),
    html`<section class="card narrow">
  <h1>${o.address ? t.t('page.emailChange.doneHeading') : t.t('page.emailChange.invalidHeading')}</h1>
  ${o.address ? html`<p id="email-change-done">${markup(t, 'page.emailChange.done', { address: o.address, strong: element('strong') })}</p>` : alertBox('error', o.error)}
  <p><a class="button" href="${o.signedIn ? '/security' : '/sign-in'}">${o.signedIn ? t.t('page.common.backToSecurity') : t.t('page.error.signIn')}</a></p>
</section>`,
  );
}

function deletionSection(t: Translator, csrf: string, state: AccountDataState): SafeHtml {
  if (state.refusal === 'disabled') return html`<p id="deletion-refused">${t.t('error.SELF_DELETION_DISABLED')}</p>`;
  if (state.refusal === 'directory') return html`<p id="deletion-refused">${t.t('error.MANAGED_BY_DIRECTORY.deletion')}</p>`;
  if (state.deletion) return html`<p class="muted">${t.t('page.data.pendingExplain')}</p>`;
  const days = Math.max(1, Math.round(state.graceMs / DAY_MS));
  return html`<p>${t.t('page.data.deleteIntro', { days })}</p>
  <form method="post" action="/security/data/deletion" novalidate id="delete-account-form">${csrfField(csrf)}
    <div class="field check"><input type="checkbox" id="confirm-deletion" name="confirm" value="yes" required>
      <label for="confirm-deletion">${t.t('page.data.deleteConfirm', { days })}</label></div>
    <button type="submit" class="danger" id="delete-account">${t.t('page.data.delete')}</button>
  </form>`;
}

export function accountDataPage(
  ctx: PageContext,
  o: { csrf: string; displayName: string; state: AccountDataState; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.data.title'),
    html`<section class="card">
  <p><a href="/security">${t.t('page.common.securityCrumb')}</a></p>
  <h1>${t.t('page.data.title')}</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  ${o.state.deletion ? pendingDeletionBanner(ctx, { csrf: o.csrf, dueAt: o.state.deletion.dueAt }) : ''}
  <h2>${t.t('page.data.downloadHeading')}</h2>
  <p>${t.t('page.data.downloadIntro')}</p>
  <form method="post" action="/security/data/export" id="export-form">${csrfField(o.csrf)}
    <button type="submit" id="download-data">${t.t('page.data.download')}</button>
  </form>
  <h2>${t.t('page.data.deleteHeading')}</h2>
  ${deletionSection(t, o.csrf, o.state)}
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

/** The page the cancel link opens: when the deletion is due, and one button. Opening it changes nothing. */
export function deletionCancelPage(ctx: PageContext, o: { csrf: string; token: string; dueAt: number }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.keepAccount.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.keepAccount.title')}</h1>
  <p id="deletion-due">${markup(t, 'page.data.pending', { dueAt: localTime(t, o.dueAt) })}</p>
  <form method="post" action="/account-deletion/cancel" id="keep-account-form">${csrfField(o.csrf)}
    <input type="hidden" name="token" value="${o.token}">
    <button type="submit" class="primary" id="keep-account">${t.t('email.common.keepAccountLabel')}</button>
  </form>
</section>`,
  );
}

/** After the cancel link: kept, or why the link can't be used. */
export function deletionCancelResultPage(ctx: PageContext, o: { kept: boolean; error?: string }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.keepAccount.title'),
    html`<section class="card narrow">
  <h1>${o.kept ? t.t('page.keepAccount.doneHeading') : t.t('page.keepAccount.invalidHeading')}</h1>
  ${o.kept ? html`<p id="deletion-cancelled">${t.t('notice.DELETION_CANCELLED')}</p>` : alertBox('error', o.error)}
  <p><a class="button" href="/sign-in">${t.t('page.error.signIn')}</a></p>
</section>`,
  );
}
