// The dev mailbox pages: every message in the outbox, newest first, each readable as text or rendered HTML.
import type { PageLook } from './support.js';
import { html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';
import type { OpenedOutboxMessage } from '../../mail/sealed-body.js';
import { element, markup, translatorOf, type HasTranslator } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';

interface Ctx extends HasTranslator {
  config: { organizationName: string; supportContact?: string | undefined; look?: PageLook | undefined };
}

function page(ctx: Ctx, title: string, body: SafeHtml): SafeHtml {
  return layout({
    title,
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    look: ctx.config.look,
    body,
    translator: ctx.translator,
  });
}

function banner(t: Translator): SafeHtml {
  return html`<p class="alert notice" role="status">${markup(t, 'page.mailbox.banner', { code: element('code') })}</p>`;
}

export function mailboxListPage(ctx: Ctx, messages: OpenedOutboxMessage[]): SafeHtml {
  const t = translatorOf(ctx);
  const when = (ms: number): string => t.dateTime(ms, { seconds: true });
  return page(
    ctx,
    t.t('page.mailbox.title'),
    html`<section class="card wide">
  <h1>${t.t('page.mailbox.title')}</h1>
  ${banner(t)}
  ${
    messages.length === 0
      ? html`<p id="empty">${t.t('page.mailbox.empty')}</p>`
      : html`<table class="ops" id="messages"><thead><tr><th>${t.t('page.mailbox.when')}</th><th>${t.t('page.mailbox.to')}</th><th>${t.t('page.mailbox.subject')}</th><th>${t.t('page.mailbox.state')}</th></tr></thead><tbody>
  ${messages.map((m) => html`<tr data-id="${m.id}"><td>${when(m.createdAt)}</td><td>${m.to}</td><td><a href="/dev/mailbox/${m.id}">${m.subject}</a></td><td>${m.state}</td></tr>`)}
  </tbody></table>`
  }
</section>`,
  );
}

export function mailboxMessagePage(ctx: Ctx, m: OpenedOutboxMessage): SafeHtml {
  const t = translatorOf(ctx);
  const when = (ms: number): string => t.dateTime(ms, { seconds: true });
  return page(
    ctx,
    m.subject,
    html`<section class="card wide">
  <p><a href="/dev/mailbox">${t.t('page.mailbox.all')}</a></p>
  <h1>${m.subject}</h1>
  <dl class="meta">
    <dt>${t.t('page.mailbox.to')}</dt><dd id="to">${m.to}</dd>
    <dt>${t.t('page.mailbox.messageId')}</dt><dd>${m.messageId}</dd>
    <dt>${t.t('page.mailbox.queued')}</dt><dd>${when(m.createdAt)}</dd>
    <dt>${t.t('page.mailbox.state')}</dt><dd>${m.state}${m.sentAt ? ` (${when(m.sentAt)})` : ''}</dd>
    <dt>${t.t('page.mailbox.template')}</dt><dd>${m.template}</dd>
  </dl>
  <p><a class="button" href="/dev/mailbox/${m.id}/html" id="html-link">${t.t('page.mailbox.viewHtml')}</a> <a class="button" href="/dev/mailbox/${m.id}/text">${t.t('page.mailbox.textOnly')}</a></p>
  <h2>${t.t('page.mailbox.plainText')}</h2>
  <pre id="text">${m.text}</pre>
</section>`,
  );
}
