// /security/questions: choose and answer the organisation's security questions (when it uses them).
import { html, type SafeHtml } from '../html.js';
import { alertBox, layout, passwordField } from './layout.js';
import type { SecurityQuestionsView } from '../../flows/security-questions.js';

interface Ctx {
  config: { organizationName: string; supportContact?: string | undefined };
}

export function securityQuestionsPage(
  ctx: Ctx,
  o: { csrf: string; displayName: string; email: string; view: SecurityQuestionsView; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const v = o.view;
  const csrf = html`<input type="hidden" name="_csrf" value="${o.csrf}">`;
  const username = html`<input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>`;
  const slots = Array.from({ length: v.count }, (_, i) => i);
  return layout({
    title: 'Security questions',
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    signedIn: { displayName: o.displayName, csrf: o.csrf },
    body: html`<section class="card">
  <p><a href="/security">← Security</a></p>
  <h1>Security questions</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <p>If you forget your password and don’t use two-step verification, a reset asks these after the email. Choose answers
  only you know and won’t forget; they don’t have to be true. Two-step verification protects you far better.</p>
  <p id="questions-status">${v.chosen.length > 0 ? `You answered ${v.chosen.length} questions.` : 'You have not answered any questions.'}</p>
  <form method="post" action="/security/questions" novalidate id="security-questions-form">
    ${csrf}${username}
    ${slots.map((i) => html`<fieldset class="field">
      <legend>Question ${i + 1}</legend>
      <label for="question-${i}">Question</label>
      <select id="question-${i}" name="q${i}" required>
        ${v.questions.map((q) => html`<option value="${q.id}"${q.id === (v.chosen[i] ?? v.questions[i]?.id) ? html` selected` : ''}>${q.text}</option>`)}
      </select>
      <label for="answer-${i}">Answer</label>
      <input type="text" id="answer-${i}" name="a${i}" autocomplete="off" spellcheck="false" maxlength="200" required>
    </fieldset>`)}
    ${passwordField({ id: 'currentPassword', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password' })}
    <button type="submit" class="primary">Save answers</button>
  </form>
  ${v.chosen.length > 0 ? html`<h2>Remove your answers</h2>
  <form method="post" action="/security/questions/remove" novalidate id="remove-questions-form">
    ${csrf}${username}
    ${passwordField({ id: 'removePassword', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password' })}
    <button type="submit" class="secondary">Remove answers</button>
  </form>` : ''}
</section>`,
  });
}
