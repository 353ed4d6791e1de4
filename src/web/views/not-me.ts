// "This wasn't me": the confirmation a link opens, the neutral page for a link that cannot be used, the
// page after the account was secured, and the activity list with a report button on each entry.
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import type { ActivityEntry } from '../../flows/not-me.js';
import { element, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import { contactParts, supportOf } from './support.js';

function helpDesk(ctx: PageContext, t: Translator): SafeHtml {
  const support = supportOf(ctx);
  return support
    ? html`<p>${markup(t, 'page.notMe.helpDesk', { support: contactParts(t, support), contact: element('span', { id: 'support-contact' }) })}</p>`
    : html``;
}

/** What the link reports, and one button. Opening this page changes nothing. */
export function notMeConfirmPage(ctx: PageContext, o: { csrf: string; confirmId: string; summary: string; error?: string | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.notMe.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.notMe.confirmHeading')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.notMe.reporting')}</p>
  <p id="not-me-summary"><strong>${o.summary}</strong></p>
  <p>${t.t('page.notMe.explain')}</p>
  <p>${t.t('page.notMe.restoreNote')}</p>
  <form method="post" action="/not-me/confirm" id="not-me-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="flow" value="${o.confirmId}">
    <button type="submit" class="primary" id="secure-account">${t.t('page.notMe.secure')}</button>
  </form>
  <p class="muted">${t.t('page.notMe.wasYou')}</p>
  ${helpDesk(ctx, t)}
</section>`,
  );
}

/** The same page for a used, expired, unknown or foreign link. */
export function notMeInvalidPage(ctx: PageContext, o: { message: string }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.notMe.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.notMe.invalidHeading')}</h1>
  ${alertBox('error', o.message)}
  <p><a class="button" href="/reset" id="reset-link">${t.t('page.reset.title')}</a></p>
  ${helpDesk(ctx, t)}
</section>`,
  );
}

/** After a report: signed out everywhere; the reset email is on its way. */
export function notMeDonePage(ctx: PageContext, o: { message: string }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.notMe.doneTitle'),
    html`<section class="card narrow">
  <h1>${t.t('page.notMe.doneTitle')}</h1>
  ${alertBox('notice', o.message)}
  <ul>
    <li>${t.t('page.notMe.doneSignedOut')}</li>
    <li>${t.t('page.notMe.donePassword')}</li>
    <li>${t.t('page.notMe.doneEmail')}</li>
  </ul>
  <p>${markup(t, 'page.notMe.didntGetIt', { a: element('a', { href: '/reset', id: 'reset-link' }) })}</p>
  ${helpDesk(ctx, t)}
</section>`,
  );
}

/** The signed-in person's recent security events, with "This wasn't me" where it applies. */
export function activityPage(
  ctx: PageContext,
  o: { csrf: string; displayName: string; entries: readonly ActivityEntry[]; error?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  const when = (ms: number): string => t.dateTime(ms);
  return page(
    ctx,
    t.t('page.activity.title'),
    html`<section class="card">
  <h1>${t.t('page.activity.title')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.activity.intro')}</p>
  ${
    o.entries.length === 0
      ? html`<p class="muted">${t.t('page.activity.none')}</p>`
      : html`<ul class="devices" id="activity">
  ${o.entries.map(
    (e) => html`<li class="device" data-event-id="${String(e.id)}" data-event-type="${e.type}">
    <div><strong>${e.label}</strong>
    <div class="muted">${when(e.at)}${e.device ? ` · ${e.device}` : ''}${e.ip ? ` · ${t.t('page.activity.ip', { ip: e.ip })}` : ''}</div></div>
    ${
      e.reportable
        ? html`<form method="post" action="/security/activity/${String(e.id)}/not-me" class="inline">
      <input type="hidden" name="_csrf" value="${o.csrf}"><button type="submit" class="secondary" aria-label="${t.t('page.activity.reportLabel', { what: e.label, when: when(e.at) })}">${t.t('page.activity.report')}</button></form>`
        : ''
    }
  </li>`,
  )}
  </ul>`
  }
  <p><a href="/security">${t.t('page.common.backToSecurity')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}
