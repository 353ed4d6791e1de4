// "This wasn't me": the confirmation a link opens, the neutral page for a link that cannot be used, the
// page after the account was secured, and the activity list with a report button on each entry.
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import type { ActivityEntry } from '../../flows/not-me.js';

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function helpDesk(ctx: PageContext): SafeHtml {
  return ctx.config.supportContact ? html`<p>Need help? Contact the help desk: <span id="support-contact">${ctx.config.supportContact}</span>.</p>` : html``;
}

/** What the link reports, and one button. Opening this page changes nothing. */
export function notMeConfirmPage(ctx: PageContext, o: { csrf: string; confirmId: string; summary: string; error?: string | undefined }): SafeHtml {
  return page(ctx, 'This wasn’t me', html`<section class="card narrow">
  <h1>Secure your account</h1>
  ${alertBox('error', o.error)}
  <p>You are reporting this as not you:</p>
  <p id="not-me-summary"><strong>${o.summary}</strong></p>
  <p>Securing your account signs out every device, ends password resets and sign-ins in progress, and stops the current password from working.
    We then email you a link to choose a new password (to your address and your recovery address, if you have one).</p>
  <form method="post" action="/not-me/confirm" id="not-me-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="flow" value="${o.confirmId}">
    <button type="submit" class="primary" id="secure-account">Secure my account</button>
  </form>
  <p class="muted">If this was you after all, close this page: nothing changes until you press the button.</p>
  ${helpDesk(ctx)}
</section>`);
}

/** The same page for a used, expired, unknown or foreign link. */
export function notMeInvalidPage(ctx: PageContext, o: { message: string }): SafeHtml {
  return page(ctx, 'This wasn’t me', html`<section class="card narrow">
  <h1>This link can’t be used</h1>
  ${alertBox('error', o.message)}
  <p><a class="button" href="/reset" id="reset-link">Reset your password</a></p>
  ${helpDesk(ctx)}
</section>`);
}

/** After a report: signed out everywhere; the reset email is on its way. */
export function notMeDonePage(ctx: PageContext, o: { message: string }): SafeHtml {
  return page(ctx, 'Your account is secured', html`<section class="card narrow">
  <h1>Your account is secured</h1>
  ${alertBox('notice', o.message)}
  <ul>
    <li>Every device was signed out, including this one.</li>
    <li>Your old password no longer works.</li>
    <li>Check your email (and your recovery address) for the password reset link: it works for a short time, once.</li>
  </ul>
  <p>Didn’t get it? <a href="/reset" id="reset-link">Ask for a new reset email</a>.</p>
  ${helpDesk(ctx)}
</section>`);
}

/** The signed-in person's recent security events, with "This wasn't me" where it applies. */
export function activityPage(ctx: PageContext, o: { csrf: string; displayName: string; entries: readonly ActivityEntry[]; error?: string | undefined }): SafeHtml {
  return page(ctx, 'Recent activity', html`<section class="card">
  <h1>Recent activity</h1>
  ${alertBox('error', o.error)}
  <p>What happened on your account recently. If something wasn’t you, press “This wasn’t me”: every device is signed out, your password stops working and we email you a link to choose a new one.</p>
  ${o.entries.length === 0 ? html`<p class="muted">Nothing yet.</p>` : html`<ul class="devices" id="activity">
  ${o.entries.map((e) => html`<li class="device" data-event-id="${String(e.id)}" data-event-type="${e.type}">
    <div><strong>${e.label}</strong>
    <div class="muted">${when(e.at)}${e.device ? ` · ${e.device}` : ''}${e.ip ? ` · IP ${e.ip}` : ''}</div></div>
    ${e.reportable ? html`<form method="post" action="/security/activity/${String(e.id)}/not-me" class="inline">
      <input type="hidden" name="_csrf" value="${o.csrf}"><button type="submit" class="secondary" aria-label="This wasn’t me: ${e.label} ${when(e.at)}">This wasn’t me</button></form>` : ''}
  </li>`)}
  </ul>`}
  <p><a href="/security">Back to security</a></p>
</section>`, { displayName: o.displayName, csrf: o.csrf });
}
