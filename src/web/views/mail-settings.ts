// /security/email: the anti-phishing phrase and the recovery address.
import type { PageLook } from './support.js';
import { html, type SafeHtml } from '../html.js';
import { alertBox, layout, passwordField } from './layout.js';
import type { MailPreferences } from '../../store/mail-preferences.js';
import { element, markup, translatorOf, type HasTranslator } from '../i18n.js';

interface Ctx extends HasTranslator {
  config: { organizationName: string; supportContact?: string | undefined; look?: PageLook | undefined };
}

export function mailSettingsPage(
  ctx: Ctx,
  o: {
    csrf: string;
    displayName: string;
    email: string;
    settings: MailPreferences;
    /** The organisation sends the monthly checkup email (PASSDESK_CHECKUP_REMINDERS): the person's switch is shown. */
    checkupReminders?: boolean;
    error?: string | undefined;
    notice?: string | undefined;
  },
): SafeHtml {
  const s = o.settings;
  const t = translatorOf(ctx);
  const csrf = html`<input type="hidden" name="_csrf" value="${o.csrf}">`;
  const username = html`<input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>`;
  return layout({
    title: t.t('page.mailSettings.title'),
    translator: t,
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    look: ctx.config.look,
    signedIn: { displayName: o.displayName, csrf: o.csrf },
    body: html`<section class="card">
  <p><a href="/security">${t.t('page.common.securityCrumb')}</a></p>
  <h1>${t.t('page.mailSettings.title')}</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <h2>${t.t('page.mailSettings.phraseHeading')}</h2>
  <p>${t.t('page.mailSettings.phraseIntro', { org: ctx.config.organizationName })}</p>
  <p id="current-phrase">${s.antiPhishingPhrase ? markup(t, 'page.mailSettings.yourPhrase', { phrase: s.antiPhishingPhrase, strong: element('strong') }) : t.t('page.mailSettings.noPhrase')}</p>
  <form method="post" action="/security/email/phrase" novalidate>
    ${csrf}${username}
    <div class="field"><label for="phrase">${markup(t, 'page.mailSettings.phraseLabel', { muted: element('span', { class: 'muted' }) })}</label>
      <input type="text" id="phrase" name="phrase" maxlength="64" autocomplete="off" value="${s.antiPhishingPhrase ?? ''}"></div>
    ${passwordField({ id: 'phrase-password', name: 'currentPassword', label: t.t('page.common.currentPassword'), autocomplete: 'current-password', translator: t })}
    <button type="submit" class="primary">${t.t('page.mailSettings.savePhrase')}</button>
  </form>
  <h2>${t.t('page.mailSettings.recoveryHeading')}</h2>
  <p>${t.t('page.mailSettings.recoveryIntro', { email: o.email })}</p>
  ${
    s.recoveryEmail
      ? html`<p id="recovery-email">${markup(t, 'page.mailSettings.recoveryConfirmed', { address: s.recoveryEmail, strong: element('strong') })}</p>
  <form method="post" action="/security/email/recovery/remove" novalidate>${csrf}${username}
    ${passwordField({ id: 'remove-password', name: 'currentPassword', label: t.t('page.common.currentPassword'), autocomplete: 'current-password', translator: t })}
    <button type="submit" class="secondary">${t.t('page.mailSettings.removeRecovery')}</button></form>`
      : html`<p id="recovery-email">${t.t('page.mailSettings.noRecovery')}</p>`
  }
  ${
    s.pendingRecoveryEmail
      ? html`<form method="post" action="/security/email/recovery/verify" novalidate id="verify-form">${csrf}
    <div class="field"><label for="code">${t.t('page.mailSettings.codeSentTo', { address: s.pendingRecoveryEmail })}</label>
      <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{8}" maxlength="8" required></div>
    <button type="submit" class="primary">${t.t('page.mailSettings.confirmAddress')}</button></form>`
      : ''
  }
  <form method="post" action="/security/email/recovery" novalidate>${csrf}${username}
    <div class="field"><label for="recovery">${s.recoveryEmail ? t.t('page.mailSettings.replaceWith') : t.t('page.mailSettings.recoveryAddress')}</label>
      <input type="email" id="recovery" name="email" autocomplete="email" inputmode="email" maxlength="254" required></div>
    ${passwordField({ id: 'recovery-password', name: 'currentPassword', label: t.t('page.common.currentPassword'), autocomplete: 'current-password', translator: t })}
    <button type="submit" class="primary">${t.t('page.mailSettings.sendCode')}</button>
  </form>
  ${
    o.checkupReminders
      ? html`<h2 id="checkup-reminders">${t.t('page.mailSettings.checkupHeading')}</h2>
  <p>${t.t('page.mailSettings.checkupIntro')}</p>
  <form method="post" action="/security/email/checkup-reminders" novalidate>${csrf}
    <div class="field check"><input type="checkbox" id="checkup-reminders-on" name="checkupReminders" value="on"${s.checkupReminders ? html` checked` : ''}>
      <label for="checkup-reminders-on">${t.t('page.mailSettings.checkupLabel')}</label></div>
    <button type="submit" class="secondary">${t.t('page.mailSettings.checkupSave')}</button>
  </form>`
      : ''
  }
</section>`,
  });
}
