// The organisation's look on the pages (src/look.ts): the help desk's contact and the legal links. Pages that tell
// people to contact the help desk show it beside the sentence; with none configured they never send anyone there.
import { html, type SafeHtml } from '../html.js';
import { link, markup } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import { telUri, type SupportContact } from '../../core/support-contact.js';

/** What views read of the look (config.look; src/look.ts). */
export interface PageLook {
  logoUrl: string | null;
  stylesheets: readonly string[];
  support: SupportContact | null;
  privacyUrl: string | null;
  termsUrl: string | null;
}

/** The ways to reach the help desk, as links: "Email help@… · Call +44 … · Visit the help desk’s website · Hours: …". */
export function contactParts(t: Translator, s: SupportContact): SafeHtml {
  const parts: SafeHtml[] = [];
  if (s.text) parts.push(html`<span class="support-text">${s.text}</span>`);
  if (s.email) parts.push(markup(t, 'page.support.email', { email: s.email, a: link(`mailto:${s.email}`, { class: 'support-email' }) }));
  if (s.phone) parts.push(markup(t, 'page.support.phone', { phone: s.phone, a: link(telUri(s.phone), { class: 'support-phone' }) }));
  if (s.url) parts.push(markup(t, 'page.support.url', { a: link(s.url, { class: 'support-url' }) }));
  if (s.hours) parts.push(html`<span class="support-hours">${t.t('page.support.hours', { hours: s.hours })}</span>`);
  return html`${parts.map((p, i) => (i === 0 ? p : html` · ${p}`))}`;
}

/** "Need help? …" where a page shows it prominently (sign-in, the reset portal); nothing without a contact. */
export function supportBox(t: Translator, support: SupportContact | null): SafeHtml {
  if (!support) return html``;
  return html`<aside class="support-box" id="support-box" aria-labelledby="support-box-heading">
  <h2 id="support-box-heading">${t.t('page.support.heading')}</h2>
  <p>${contactParts(t, support)}</p>
</aside>`;
}

/** The footer: the contact and the legal links when configured, else who runs the service. */
export function footerContent(t: Translator, look: PageLook | undefined, org: string): SafeHtml {
  const legal: SafeHtml[] = [];
  if (look?.privacyUrl) legal.push(html`<a href="${look.privacyUrl}" id="privacy-link">${t.t('page.layout.privacy')}</a>`);
  if (look?.termsUrl) legal.push(html`<a href="${look.termsUrl}" id="terms-link">${t.t('page.layout.terms')}</a>`);
  return html`${
    look?.support
      ? html`<p class="support-line" id="support-footer">${markup(t, 'page.layout.needHelp', { support: contactParts(t, look.support) })}</p>`
      : html`<p>${t.t('page.layout.protectedBy', { org })}</p>`
  }${legal.length > 0 ? html`<nav class="legal" aria-label="${t.t('page.layout.legalNav')}">${legal}</nav>` : ''}`;
}

/** The contact a page's context carries: the look's, or PASSDESK_SUPPORT_CONTACT's text where a view has no look. */
export function supportOf(ctx: { config: { supportContact?: string | undefined; look?: PageLook | undefined } }): SupportContact | null {
  return ctx.config.look ? ctx.config.look.support : ctx.config.supportContact ? { text: ctx.config.supportContact } : null;
}
