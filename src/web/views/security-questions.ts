// /security/questions: choose and answer the organisation's security questions (when it uses them).
import type { PageLook } from './support.js';
import { html, type SafeHtml } from '../html.js';
import { alertBox, layout, passwordField } from './layout.js';
import type { SecurityQuestionsView } from '../../flows/security-questions.js';
import { translatorOf, type HasTranslator } from '../i18n.js';

interface Ctx extends HasTranslator {
  config: { organizationName: string; supportContact?: string | undefined; look?: PageLook | undefined };
}

export function securityQuestionsPage(
  ctx: Ctx,
  o: { csrf: string; displayName: string; email: string; view: SecurityQuestionsView; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const v = o.view;
  const t = translatorOf(ctx);
  const csrf = html`<input type="hidden" name="_csrf" value="${o.csrf}">`;
  const username = html`<input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>`;
  const slots = Array.from({ length: v.count }, (_, i) => i);
  return layout({
    title: t.t('page.securityQuestions.title'),
    translator: t,
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    look: ctx.config.look,
    signedIn: { displayName: o.displayName, csrf: o.csrf },
    body: html`<section class="card">
  <p><a href="/security">${t.t('page.common.securityCrumb')}</a></p>
  <h1>${t.t('page.securityQuestions.title')}</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <p>${t.t('page.securityQuestions.intro')}</p>
  <p id="questions-status">${v.chosen.length > 0 ? t.t('page.securityQuestions.answered', { count: v.chosen.length }) : t.t('page.securityQuestions.noneAnswered')}</p>
  <form method="post" action="/security/questions" novalidate id="security-questions-form">
    ${csrf}${username}
    ${slots.map(
      (i) => html`<fieldset class="field">
      <legend>${t.t('page.securityQuestions.legend', { n: i + 1 })}</legend>
      <label for="question-${i}">${t.t('page.securityQuestions.question')}</label>
      <select id="question-${i}" name="q${i}" required>
        ${v.questions.map((q) => html`<option value="${q.id}"${q.id === (v.chosen[i] ?? v.questions[i]?.id) ? html` selected` : ''}>${q.text}</option>`)}
      </select>
      <label for="answer-${i}">${t.t('page.securityQuestions.answer')}</label>
      <input type="text" id="answer-${i}" name="a${i}" autocomplete="off" spellcheck="false" maxlength="200" required>
    </fieldset>`,
    )}
    ${passwordField({ id: 'currentPassword', name: 'currentPassword', label: t.t('page.common.currentPassword'), autocomplete: 'current-password', translator: t })}
    <button type="submit" class="primary">${t.t('page.securityQuestions.save')}</button>
  </form>
  ${
    v.chosen.length > 0
      ? html`<h2>${t.t('page.securityQuestions.removeHeading')}</h2>
  <form method="post" action="/security/questions/remove" novalidate id="remove-questions-form">
    ${csrf}${username}
    ${passwordField({ id: 'removePassword', name: 'currentPassword', label: t.t('page.common.currentPassword'), autocomplete: 'current-password', translator: t })}
    <button type="submit" class="secondary">${t.t('page.securityQuestions.remove')}</button>
  </form>`
      : ''
  }
</section>`,
  });
}
