// Audit events as RFC 5424 syslog messages, over TCP or TLS (RFC 5425), octet-counted (RFC 6587 §3.4.1).
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID name="value" …] MSG
//   PRI        facility · 8 + severity (§6.2.1); the severity follows the event (severityOf)
//   TIMESTAMP  when the event happened, RFC 3339 in UTC with milliseconds (§6.2.3)
//   PROCID     "-": the process that sends is not always the one that recorded the event
//   MSGID      the event type (at most 32 characters, §6.2.7; longer ones are cut)
//   SD         the event's fields as one element (§6.3): uid, eventId, type, account, actor, ip, device, session,
//              and the detail's values flattened (detail.reason="…"); values escaped per §6.3.3, control
//              characters written as \u000a
//   MSG        the same event as JSON (webhook body shape), UTF-8 without a BOM (§6.4 allows MSG-ANY; a BOM
//              would break the JSON parsers SIEMs run on it)
// Written here rather than taken from npm: the syslog clients there frame messages with a newline (which a value
// with a newline in it would break), have no structured data or no TLS name check, or are unmaintained; the format
// is small, and test/unit/syslog-format.test.ts and a real rsyslog (test/http/events-syslog.test.ts) hold it.
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { PublicEvent } from '../core/public-event.js';
import type { SyslogSettings } from './settings.js';
import type { EventSender } from './sender.js';
import { webhookBody } from './webhook.js';

/** RFC 5424 §6.2.1 severities. */
export const SEVERITY = { warning: 4, notice: 5, informational: 6 } as const;

/** Failures, lockouts and reports are warnings; what staff did to an account is a notice; the rest informational. */
export function severityOf(type: string): number {
  if (/(failed|locked|regressed|reported)$/.test(type)) return SEVERITY.warning;
  if (type.startsWith('admin.')) return SEVERITY.notice;
  return SEVERITY.informational;
}

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators: what a receiver could take for a new line. */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/gu;
const asUnicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash. A control character (a line break in a
 * value an administrator typed) is written as the text \u000a first: the RFC allows it raw, but a receiver that
 * writes lines to a file would start a forged line with it (MSG, the JSON, carries the exact value).
 */
export function escapeParamValue(value: string): string {
  return value.replace(CONTROL, asUnicodeEscape).replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** §6.3.3 PARAM-NAME: 1–32 printable ASCII characters other than '=', ' ', ']' and '"'. */
function paramName(name: string): string | null {
  const cleaned = name.replace(/[^\x21-\x7e]|[=\]"]/g, '_');
  return cleaned.length >= 1 && cleaned.length <= 32 ? cleaned : null;
}

/** The detail's values as name/value pairs: nested objects by dotted names, arrays as their JSON. */
function flattenDetail(detail: Record<string, unknown>, prefix = 'detail.'): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(detail)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) out.push(...flattenDetail(value as Record<string, unknown>, `${prefix}${key}.`));
    else out.push([`${prefix}${key}`, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  return out;
}

/** The structured data element of an event: its fields, those without a value left out. */
export function structuredData(event: PublicEvent, sdId: string): string {
  const params: Array<[string, string | null]> = [
    ['uid', event.uid],
    ['eventId', String(event.eventId)],
    ['type', event.type],
    ['account', event.accountId],
    ['actor', event.actorId],
    ['ip', event.ip],
    ['device', event.device],
    ['session', event.sessionId],
    ...(event.detail ? flattenDetail(event.detail) : []),
  ];
  const text = params
    .flatMap(([name, value]) => {
      const n = value === null ? null : paramName(name);
      return n === null || value === null ? [] : [` ${n}="${escapeParamValue(value)}"`];
    })
    .join('');
  return `[${sdId}${text}]`;
}

/** One event as an RFC 5424 message (without the framing). */
export function formatSyslogMessage(event: PublicEvent, s: Pick<SyslogSettings, 'facility' | 'hostname' | 'appName' | 'sdId'>): string {
  const pri = s.facility * 8 + severityOf(event.type);
  const msgId = event.type.replace(/[^\x21-\x7e]/g, '_').slice(0, 32) || '-';
  const timestamp = new Date(event.time).toISOString();
  // JSON.stringify escapes C0 controls but leaves DEL, C1 and U+2028/2029 raw; they occur only inside its strings,
  // where \uXXXX is the same value.
  return `<${pri}>1 ${timestamp} ${s.hostname} ${s.appName} - ${msgId} ${structuredData(event, s.sdId)} ${webhookBody(event).replace(CONTROL, asUnicodeEscape)}`;
}

/** RFC 6587 §3.4.1 octet counting: the message's length in bytes, a space, the message. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

/**
 * One connection to the receiver, opened on the first event and kept; a connection that ended or failed is
 * replaced at the next event. An event counts as delivered once the kernel took its bytes (syslog over TCP has
 * no acknowledgement: an event written just before the receiver dropped the connection can be lost — the
 * documented window, docs/guides/events-out.md). TLS: at least 1.2, the chain checked against the CA file (or
 * the system's CAs) and the certificate's names against the URL's host (RFC 5425 §5.2).
 */
export function createSyslogSender(s: SyslogSettings, o: { timeoutMs: number }): EventSender {
  let socket: Socket | null = null;
  let opening: Promise<Socket> | null = null;

  const open = (): Promise<Socket> =>
    new Promise<Socket>((resolve, reject) => {
      const sock =
        s.protocol === 'tls'
          ? tlsConnect({ host: s.host, port: s.port, minVersion: 'TLSv1.2', ...(s.ca ? { ca: s.ca } : {}), ...(isIP(s.host) ? {} : { servername: s.host }) })
          : tcpConnect({ host: s.host, port: s.port });
      const timer = setTimeout(() => sock.destroy(new Error(`no connection within ${o.timeoutMs} ms`)), o.timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        sock.destroy();
        reject(err);
      };
      sock.once('error', fail);
      sock.once(s.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        sock.removeListener('error', fail);
        // A receiver sends nothing; what it closes or breaks ends this connection, and the next event opens another.
        sock.on('error', () => sock.destroy());
        sock.on('end', () => sock.destroy());
        sock.on('close', () => {
          if (socket === sock) socket = null;
        });
        sock.resume();
        socket = sock;
        resolve(sock);
      });
    });

  const connection = (): Promise<Socket> => {
    if (socket && !socket.destroyed && socket.writable) return Promise.resolve(socket);
    opening ??= open().finally(() => {
      opening = null;
    });
    return opening;
  };

  return {
    destination: 'syslog',
    description: `syslog ${s.protocol}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`,
    async send(event) {
      const sock = await connection();
      const frame = octetCounted(formatSyslogMessage(event, s));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new Error(`the receiver took nothing within ${o.timeoutMs} ms`));
        }, o.timeoutMs);
        sock.write(frame, (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        });
      });
    },
    async close() {
      const sock = socket;
      socket = null;
      if (!sock || sock.destroyed) return;
      await new Promise<void>((resolve) => {
        sock.once('close', () => resolve());
        sock.end();
        setTimeout(() => sock.destroy(), 1000).unref();
      });
    },
  };
}
