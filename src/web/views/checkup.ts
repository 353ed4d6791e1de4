// The security checkup at the top of /security (core/checkup.ts decides; flows/checkup.ts gathers): a summary, then
// one line per item with its badge in words (and a mark, never colour alone) and, when it needs attention, the link
// that fixes it. Plain HTML: nothing here needs the script.
import { html, type SafeHtml } from '../html.js';
import { checkupText, needingAttention, type CheckupItem } from '../../core/checkup.js';
import type { Translator } from '../../core/i18n/translator.js';
import { statusBadge } from './layout.js';

export function checkupSection(t: Translator, items: readonly CheckupItem[]): SafeHtml {
  const attention = needingAttention(items).length;
  return html`<section class="checkup" aria-labelledby="checkup-heading" id="checkup">
  <h2 id="checkup-heading">${t.t('page.checkup.heading')}</h2>
  <p id="checkup-summary" class="checkup-summary ${attention === 0 ? 'good' : 'attention'}">${t.t('page.checkup.summary', { count: attention })}</p>
  <ul class="checkup-list">
  ${items.map((i) => {
    const text = checkupText(t, i);
    return html`<li class="checkup-item ${i.status}" data-item="${i.id}" data-status="${i.status}">
    ${statusBadge(i.status, text.status)}
    <div class="checkup-text"><strong>${text.title}</strong> <span>${text.line}</span></div>
    ${i.fix !== null && text.fix !== null ? html`<a class="button fix" href="${i.fix}">${text.fix}</a>` : ''}
  </li>`;
  })}
  </ul>
</section>`;
}
