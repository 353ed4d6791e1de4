// The views' side of the catalog: which Translator a page uses, and messages with markup in them.
// Plain messages go into html`` like any string (escaped there). A message with <tags> or with values
// that are already HTML goes through `markup`: its own text and every string value are escaped, and
// each tag is built by the function given for it, so user data stays escaped exactly as in html``.
import { translator, type MessageId, type MessageValue, type TagFormatter, type Translator } from '../core/i18n/translator.js';
import { escapeHtml, SafeHtml } from './html.js';

/** What a view needs to know the reader's language: absent means English. */
export interface HasTranslator {
  translator?: Translator | undefined;
}

export function translatorOf(ctx: HasTranslator): Translator {
  return ctx.translator ?? translator('en');
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
