// The views' side of the catalog: which Translator a page uses, and messages with markup in them.
// Plain messages go into html`` like any string (escaped there). A message with <tags> or with values
// that are already HTML goes through `markup`: its own text and every string value are escaped, and
// each tag is built by the function given for it, so user data stays escaped exactly as in html``.
import { DEFAULT_LOCALE, translator, type MessageId, type MessageValue, type TagFormatter, type Translator } from '../core/i18n/translator.js';
import { escapeHtml, SafeHtml } from './html.js';

/** What a view needs to know the reader's language: absent means English. */
export interface HasTranslator {
  translator?: Translator | undefined;
}

/** The view's Translator: the request's (http/shared/page-view.ts pageView), English for a view given none. */
export function translatorOf(ctx: HasTranslator): Translator {
  return ctx.translator ?? translator(DEFAULT_LOCALE);
}

export function markup(t: Translator, id: MessageId, values: Readonly<Record<string, MessageValue | SafeHtml | TagFormatter>> = {}): SafeHtml {
  const prepared: Record<string, MessageValue | TagFormatter | { markup: string }> = {};
  for (const [name, value] of Object.entries(values)) prepared[name] = value instanceof SafeHtml ? { markup: value.value } : value;
  return new SafeHtml(t.markup(id, prepared, escapeHtml));
}

/** A tag formatter for a link: `<a href="…" id="…">inner</a>` (attributes escaped). */
export function link(href: string, attrs: Readonly<Record<string, string>> = {}): TagFormatter {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  return (inner) => `<a href="${escapeHtml(href)}"${extra}>${inner}</a>`;
}

/** A tag formatter for a plain element: `<code>inner</code>`, `<span id="x">inner</span>`. */
export function element(name: string, attrs: Readonly<Record<string, string>> = {}): TagFormatter {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  return (inner) => `<${name}${extra}>${inner}</${name}>`;
}

/**
 * A moment on a page: `<time datetime="…Z">` with the UTC text in the reader's language, which app.js turns into the
 * reader's own time zone (`absolute`) or into "3 hours ago" with the local time in the title (`relative`, for lists).
 * Without JavaScript the UTC text stays: correct, just not local.
 */
export function localTime(t: Translator, ms: number, o: { relative?: boolean; seconds?: boolean } = {}): SafeHtml {
  const utc = escapeHtml(t.dateTime(ms, { seconds: o.seconds ?? false }));
  const kind = o.relative ? 'relative' : o.seconds ? 'seconds' : 'absolute';
  return new SafeHtml(`<time datetime="${new Date(ms).toISOString()}" data-local="${kind}" title="${utc}">${utc}</time>`);
}
