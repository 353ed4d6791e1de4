// "This wasn't me": the confirmation a link opens, the neutral page for a link that cannot be used, the
// page after the account was secured, and the activity list with a report button on each entry.
import { activityLabel } from '../../core/messages.js';
import { deviceNameIn } from '../../core/device.js';
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import type { ActivityEntry, NotMeReport } from '../../flows/not-me.js';
import { element, link, localTime, markup, translatorOf } from '../i18n.js';
import { groupByDay, type DayGroup } from '../../core/activity-days.js';
import type { Translator } from '../../core/i18n/translator.js';
import { contactParts, supportOf } from './support.js';

function helpDesk(ctx: PageContext, t: Translator): SafeHtml {
  const support = supportOf(ctx);
  return support
    ? html`<p>${markup(t, 'page.notMe.helpDesk', { support: contactParts(t, support), contact: element('span', { id: 'support-contact' }) })}</p>`
    : html``;
}

/** "Password changed on <time> from Firefox on Linux (IP …)", the time shown in the reader's zone. */
function reportSummary(t: Translator, r: Pick<NotMeReport, 'notice' | 'what' | 'at' | 'device' | 'ip'>): SafeHtml {
  const values = { what: activityLabel(t, 'notice', r.notice) ?? r.what, when: localTime(t, r.at), device: deviceNameIn(t, r.device) };
  return r.ip ? markup(t, 'activity.sentenceWithIp', { ...values, ip: r.ip }) : markup(t, 'activity.sentence', values);
}

/** What the link reports, and one button. Opening this page changes nothing. */
export function notMeConfirmPage(
  ctx: PageContext,
  o: { csrf: string; confirmId: string; report: Pick<NotMeReport, 'notice' | 'what' | 'at' | 'device' | 'ip'>; error?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.notMe.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.notMe.confirmHeading')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.notMe.reporting')}</p>
  <p id="not-me-summary"><strong>${reportSummary(t, o.report)}</strong></p>
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

/** The signed-in person's recent security events by day, with one "Not you?" on each entry that can be reported. */
export function activityPage(
  ctx: PageContext,
  o: { csrf: string; displayName: string; entries: readonly ActivityEntry[]; now: number; limit: number; error?: string | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  const dayName = new Intl.DateTimeFormat(t.locale, { timeZone: 'UTC', weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  const heading = (g: DayGroup<ActivityEntry>): string =>
    g.name === 'today' ? t.t('page.activity.today') : g.name === 'yesterday' ? t.t('page.activity.yesterday') : dayName.format(g.noon);
  return page(
    ctx,
    t.t('page.activity.title'),
    html`<section class="card">
  <h1>${t.t('page.activity.title')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.activity.intro')}</p>
  <p id="activity-action">${markup(t, 'page.activity.pageAction', { a: link('/security/password', { id: 'activity-change-password' }) })}</p>
  ${
    o.entries.length === 0
      ? html`<p class="muted">${t.t('page.activity.none')}</p>`
      : html`<div id="activity" class="activity" data-today="${t.t('page.activity.today')}" data-yesterday="${t.t('page.activity.yesterday')}">
  ${groupByDay(o.entries, { now: o.now }).map(
    (g) => html`<section class="activity-day" data-day="${g.day}"><h2 class="activity-day-heading">${heading(g)}</h2>
  <ul class="devices">${g.entries.map((e) => activityEntry(t, o.csrf, e))}</ul></section>`,
  )}
  </div>`
  }
  ${o.entries.length >= o.limit ? html`<p class="muted" id="activity-capped">${t.t('page.activity.capped', { count: o.limit })}</p>` : ''}
  <p><a href="/security">${t.t('page.common.backToSecurity')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

/** One entry: what, when (local time in the browser), device and address; "Not you?" folded away when it can be reported. */
function activityEntry(t: Translator, csrf: string, entry: ActivityEntry): SafeHtml {
  const e = { ...entry, label: activityLabel(t, 'event', entry.type) ?? entry.label };
  return html`<li class="device activity-entry${e.failed ? ' failed' : ''}" data-event-id="${String(e.id)}" data-event-type="${e.type}"${e.current ? html` data-current` : ''}>
    <div class="grow"><strong>${e.label}</strong>${e.current ? html` <span class="badge">${t.t('page.activity.current')}</span>` : ''}
    <div class="muted">${localTime(t, e.at, { relative: true })}${e.device ? ` · ${deviceNameIn(t, e.device)}` : ''}${e.ip ? ` · ${t.t('page.activity.ip', { ip: e.ip })}` : ''}</div>
    ${
      e.reportable
        ? html`<details class="not-you"><summary>${t.t('page.activity.notYou')}</summary>
      <p>${t.t('page.activity.notYouExplain')}</p>
      <form method="post" action="/security/activity/${String(e.id)}/not-me">
      <input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary" aria-label="${t.t('page.activity.secureLabel', { what: e.label })}">${t.t('page.activity.secure')}</button></form></details>`
        : ''
    }</div>
  </li>`;
}
