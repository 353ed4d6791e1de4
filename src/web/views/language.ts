// The language setting on /security: automatic (the browser's Accept-Language) or one of the registered languages,
// each named in its own language (Intl.DisplayNames) so that a person who cannot read the page still finds theirs.
// A plain form (POST /security/language), so it works without JavaScript.
import { html, type SafeHtml } from '../html.js';
import { nativeName } from '../../core/i18n/negotiate.js';
import type { Locale } from '../../core/i18n/translator.js';
import { translatorOf } from '../i18n.js';
import type { PageContext } from './pages.js';

export function languageSection(ctx: PageContext, o: { csrf: string; saved: Locale | null; available: readonly Locale[] }): SafeHtml {
  const t = translatorOf(ctx);
  const option = (value: string, label: string, lang: string | null, selected: boolean): SafeHtml =>
    html`<option value="${value}"${lang ? html` lang="${lang}"` : ''}${selected ? html` selected` : ''}>${label}</option>`;
  return html`<h2 id="language">${t.t('page.security.languageHeading')}</h2>
  <form method="post" action="/security/language" novalidate><input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field"><label for="language-select">${t.t('page.security.languageLabel')}</label>
      <select id="language-select" name="locale">${option('', t.t('page.security.languageAutomatic'), null, o.saved === null)}${o.available.map((l) =>
        option(l, nativeName(l), l, l === o.saved),
      )}</select></div>
    <button type="submit" class="secondary">${t.t('page.security.languageSave')}</button>
  </form>`;
}
