// Where the worker hands messages: an SMTP server through nodemailer, or the dev mailbox (nothing leaves
// the machine; the messages stay readable at /dev/mailbox). A transport resolves only once the server
// accepted the message (250 after DATA): that is the moment the outbox row may become "sent".
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { OpenedOutboxMessage } from './sealed-body.js';

export interface MailTransport {
  readonly kind: 'smtp' | 'dev-mailbox';
  /** For the start-up log: never a password. */
  readonly description: string;
  /** The outbox row itself is where the message is delivered (the dev mailbox): keep its sealed body after sending. */
  readonly keepsBody?: boolean;
  /** The message with its body opened by the worker. */
  send(message: OpenedOutboxMessage): Promise<void>;
  /**
   * Connects once (greeting, EHLO, TLS and login as configured) on a connection of its own and hangs up; rejects
   * when the server cannot be reached or refuses within `timeoutMs`. Transports with nothing to reach have none.
   */
  verify?(timeoutMs: number): Promise<void>;
  close(): void;
}

export type SmtpSecurity = 'auto' | 'starttls' | 'tls' | 'none';

export interface SmtpOptions {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  security: SmtpSecurity;
  /** Trust this CA (PEM file) as well as the system's, e.g. for an internal relay. */
  caFile?: string | undefined;
  /** Skip certificate verification (tests and lab relays only). */
  tlsInsecure?: boolean | undefined;
  from: string;
  replyTo?: string | undefined;
  dkim?: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /** SMTP connections kept open in parallel. */
  maxConnections?: number | undefined;
  /** EHLO name (default: the system host name). */
  name?: string | undefined;
}

/** The URL without its password, for logs. */
export function describeSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}`;
  } catch {
    return 'smtp (unparseable URL)';
  }
}

function transportOptions(o: SmtpOptions) {
  return {
    url: o.url,
    ...(o.security === 'tls' ? { secure: true } : {}),
    ...(o.security === 'starttls' ? { requireTLS: true } : {}),
    ...(o.security === 'none' ? { ignoreTLS: true } : {}),
    ...(o.name ? { name: o.name } : {}),
    tls: {
      ...(o.caFile ? { ca: readFileSync(o.caFile, 'utf8') } : {}),
      ...(o.tlsInsecure ? { rejectUnauthorized: false } : {}),
    },
  };
}

export function createSmtpTransport(o: SmtpOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    pool: true,
    ...transportOptions(o),
    maxConnections: o.maxConnections ?? 4,
    maxMessages: 1000,
    // Well under the worker's lease, so a hung server fails the attempt before another node may take over.
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    ...(o.dkim ? { dkim: o.dkim } : {}),
  });
  return {
    kind: 'smtp',
    description: `SMTP ${describeSmtpUrl(o.url)} (${o.security}${o.dkim ? `, DKIM ${o.dkim.keySelector}._domainkey.${o.dkim.domainName}` : ''})`,
    async send(m) {
      const info = await transporter.sendMail({
        from: o.from,
        ...(o.replyTo ? { replyTo: o.replyTo } : {}),
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        date: new Date(m.createdAt),
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Passdesk-Template': m.template },
      });
      // nodemailer resolves after the server's final reply; a recipient it refused is still a failure.
      if (info.rejected.length > 0) throw new Error(`recipient refused: ${String(info.response ?? '')}`.slice(0, 300));
    },
    async verify(timeoutMs) {
      // Not the pool: a check must not hold one of its connections, nor wait behind its 20 s timeouts.
      const probe = nodemailer.createTransport({ ...transportOptions(o), connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe.verify(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            timer.unref();
          }),
        ]);
      } finally {
        clearTimeout(timer);
        probe.close();
      }
    },
    close() {
      transporter.close();
    },
  };
}

/**
 * Development without SMTP: the outbox row itself is the mailbox, so "sending" only marks it delivered and its
 * body (still sealed) stays for /dev/mailbox until the retention sweep deletes the row.
 */
export function createDevMailboxTransport(): MailTransport {
  return {
    kind: 'dev-mailbox',
    description: 'dev mailbox (/dev/mailbox)',
    keepsBody: true,
    async send() {},
    close() {},
  };
}

/** A DKIM key given inline (PEM) or as a path to a PEM file. */
export function readDkimKey(value: string): string {
  return value.trimStart().startsWith('-----BEGIN') ? value : readFileSync(value, 'utf8');
}
