// The dev mailbox pages: every message in the outbox, newest first, each readable as text or rendered HTML.
import { html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';
import type { OpenedOutboxMessage } from '../../mail/sealed-body.js';

interface Ctx {
  config: { organizationName: string; supportContact?: string | undefined };
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

function page(ctx: Ctx, title: string, body: SafeHtml): SafeHtml {
  return layout({ title, organizationName: ctx.config.organizationName, supportContact: ctx.config.supportContact, body });
}

const banner = html`<p class="alert notice" role="status">Development mailbox: no SMTP server is configured, so nothing leaves this machine.
  Messages are kept here instead. It is off in production and whenever <code>PASSDESK_SMTP_URL</code> is set.</p>`;

export function mailboxListPage(ctx: Ctx, messages: OpenedOutboxMessage[]): SafeHtml {
  return page(ctx, 'Dev mailbox', html`<section class="card wide">
  <h1>Dev mailbox</h1>
  ${banner}
  ${messages.length === 0 ? html`<p id="empty">No messages yet.</p>` : html`<table class="ops" id="messages"><thead><tr><th>When</th><th>To</th><th>Subject</th><th>State</th></tr></thead><tbody>
  ${messages.map((m) => html`<tr data-id="${m.id}"><td>${when(m.createdAt)}</td><td>${m.to}</td><td><a href="/dev/mailbox/${m.id}">${m.subject}</a></td><td>${m.state}</td></tr>`)}
  </tbody></table>`}
</section>`);
}

export function mailboxMessagePage(ctx: Ctx, m: OpenedOutboxMessage): SafeHtml {
  return page(ctx, m.subject, html`<section class="card wide">
  <p><a href="/dev/mailbox">← All messages</a></p>
  <h1>${m.subject}</h1>
  <dl class="meta">
    <dt>To</dt><dd id="to">${m.to}</dd>
    <dt>Message-ID</dt><dd>${m.messageId}</dd>
    <dt>Queued</dt><dd>${when(m.createdAt)}</dd>
    <dt>State</dt><dd>${m.state}${m.sentAt ? ` (${when(m.sentAt)})` : ''}</dd>
    <dt>Template</dt><dd>${m.template}</dd>
  </dl>
  <p><a class="button" href="/dev/mailbox/${m.id}/html" id="html-link">View as HTML</a> <a class="button" href="/dev/mailbox/${m.id}/text">Plain text only</a></p>
  <h2>Plain text</h2>
  <pre id="text">${m.text}</pre>
</section>`);
}
