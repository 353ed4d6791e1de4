// PASSDESK_EVENTS_*: where the audit log goes as it is written, checked once at start. Every problem is reported
// (config.ts joins them into its one line), files are read here so a missing CA or secret stops the start rather
// than the first delivery, and nothing secret is echoed.
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isIP } from 'node:net';
import { EVENT_TYPES } from '../store/events.js';

export interface SyslogSettings {
  protocol: 'tcp' | 'tls';
  host: string;
  port: number;
  /** PEM of the CA to trust (PASSDESK_EVENTS_SYSLOG_CA_FILE); null: the system's CAs. */
  ca: string | null;
  /** RFC 5424 §6.2.1 facility code (0–23). */
  facility: number;
  appName: string;
  hostname: string;
  /** The SD-ID of the structured data element (RFC 5424 §6.3.2: name@private-enterprise-number). */
  sdId: string;
}

export interface EventsOutSettings {
  /** PASSDESK_EVENTS_TYPES: `*`, families (`signin.*`) or types. */
  types: string[];
  syslog: SyslogSettings | null;
  webhookUrls: string[];
  /** The HMAC key (the decoded whsec_ secret); null without webhooks. */
  webhookKey: Uint8Array | null;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
}

/** RFC 5424 §6.2.1 facilities by name (and RFC 3164's names for them). */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** The raw values (config.ts's keys, already through their Zod schemas). */
export interface EventsOutInput {
  eventsSyslogUrl: string | undefined;
  eventsSyslogCaFile: string | undefined;
  eventsSyslogFacility: string;
  eventsSyslogAppName: string;
  eventsSyslogHostname: string | undefined;
  eventsSyslogSdId: string;
  eventsWebhookUrl: string[];
  eventsWebhookSecretFile: string | undefined;
  eventsTypes: string[];
  eventsMaxAttempts: number;
  eventsRetryBase: number;
  eventsTimeout: number;
  environment: string;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** RFC 5424 §6: PRINTUSASCII, 33–126. */
const PRINTUSASCII = /^[\x21-\x7e]+$/;

function syslogSettings(i: EventsOutInput, problems: string[]): SyslogSettings | null {
  if (i.eventsSyslogUrl === undefined) {
    if (i.eventsSyslogCaFile !== undefined) problems.push('PASSDESK_EVENTS_SYSLOG_CA_FILE: set, but PASSDESK_EVENTS_SYSLOG_URL is not');
    return null;
  }
  const m = /^(tcp|tls):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(i.eventsSyslogUrl);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) {
    problems.push(
      `PASSDESK_EVENTS_SYSLOG_URL: expected tcp://host:port or tls://host:port (e.g. tls://siem.example.org:6514) (got ${JSON.stringify(i.eventsSyslogUrl)})`,
    );
    return null;
  }
  const protocol = m[1] as 'tcp' | 'tls';
  const target = m[2]!.replace(/^\[|\]$/g, '');
  // Audit events name people, addresses and IPs: off this machine they travel over TLS (a local relay on loopback,
  // such as the host's own rsyslog forwarding over TLS, may take plain TCP).
  if (protocol === 'tcp' && !isLoopback(target) && i.environment === 'production')
    problems.push(
      `PASSDESK_EVENTS_SYSLOG_URL: tcp://${m[2]}:${port} is plain TCP; events would cross the network readable (use tls://, or a relay on 127.0.0.1)`,
    );
  if (protocol === 'tcp' && i.eventsSyslogCaFile !== undefined)
    problems.push('PASSDESK_EVENTS_SYSLOG_CA_FILE: only used with a tls:// PASSDESK_EVENTS_SYSLOG_URL');
  const facility = SYSLOG_FACILITIES[i.eventsSyslogFacility.toLowerCase()] ?? (/^\d{1,2}$/.test(i.eventsSyslogFacility) ? Number(i.eventsSyslogFacility) : -1);
  if (facility < 0 || facility > 23)
    problems.push(
      `PASSDESK_EVENTS_SYSLOG_FACILITY: expected a facility name (authpriv, auth, local0 … local7, …) or a number from 0 to 23 (got ${JSON.stringify(i.eventsSyslogFacility)})`,
    );
  const host = i.eventsSyslogHostname ?? osHostname();
  // RFC 5424 §6.2.4: HOSTNAME is at most 255 printable US-ASCII characters.
  if (!PRINTUSASCII.test(host) || host.length > 255)
    problems.push(`PASSDESK_EVENTS_SYSLOG_HOSTNAME: expected 1–255 printable ASCII characters without spaces (got ${JSON.stringify(host)})`);
  return {
    protocol,
    host: target,
    port,
    ca: protocol === 'tls' && i.eventsSyslogCaFile !== undefined ? readCa(i.eventsSyslogCaFile, problems) : null,
    facility,
    appName: i.eventsSyslogAppName,
    hostname: host,
    sdId: i.eventsSyslogSdId,
  };
}

function readCa(file: string, problems: string[]): string | null {
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`PASSDESK_EVENTS_SYSLOG_CA_FILE: ${file} holds no PEM certificate`);
    return pem;
  } catch (err) {
    problems.push(`PASSDESK_EVENTS_SYSLOG_CA_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return null;
  }
}

/** Standard Webhooks secrets: `whsec_` and the base64 of 24 to 64 random bytes (the HMAC key). */
export function parseWebhookSecret(text: string): Uint8Array | null {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (!m) return null;
  const key = Buffer.from(m[1]!, 'base64');
  return key.length >= 24 && key.length <= 64 ? new Uint8Array(key) : null;
}

function webhookKey(i: EventsOutInput, problems: string[]): Uint8Array | null {
  const file = i.eventsWebhookSecretFile;
  if (i.eventsWebhookUrl.length === 0) {
    if (file !== undefined) problems.push('PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: set, but PASSDESK_EVENTS_WEBHOOK_URL is not');
    return null;
  }
  if (file === undefined) {
    problems.push('PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: required with PASSDESK_EVENTS_WEBHOOK_URL (a file holding whsec_ and base64 of 32 random bytes)');
    return null;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return null;
  }
  const key = parseWebhookSecret(text);
  if (!key)
    problems.push(
      `PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: ${file} must hold one secret: whsec_ and the base64 of 24 to 64 random bytes (e.g. echo "whsec_$(openssl rand -base64 32)")`,
    );
  return key;
}

function webhookUrls(i: EventsOutInput, problems: string[]): string[] {
  const urls: string[] = [];
  for (const raw of i.eventsWebhookUrl) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      problems.push(`PASSDESK_EVENTS_WEBHOOK_URL: ${JSON.stringify(raw)} is not a URL`);
      continue;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const loopback = isLoopback(host);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push(`PASSDESK_EVENTS_WEBHOOK_URL: ${url.origin} is not http(s)`);
    else if (url.username || url.password)
      problems.push(`PASSDESK_EVENTS_WEBHOOK_URL: ${url.host} carries a user name or password; the signature authenticates Passdesk`);
    // The signature proves who sent an event, but only TLS keeps it from being read on the way.
    else if (url.protocol === 'http:' && !loopback && i.environment === 'production')
      problems.push(`PASSDESK_EVENTS_WEBHOOK_URL: ${url.origin} is plain http; events would cross the network readable (use https://)`);
    else urls.push(url.toString());
  }
  if (new Set(urls).size !== urls.length) problems.push('PASSDESK_EVENTS_WEBHOOK_URL: a URL is listed twice');
  return urls;
}

function typePatterns(i: EventsOutInput, problems: string[]): string[] {
  for (const p of i.eventsTypes) {
    if (p === '*') continue;
    const known = p.endsWith('.*') ? EVENT_TYPES.some((t) => t.startsWith(p.slice(0, -1))) : EVENT_TYPES.includes(p as (typeof EVENT_TYPES)[number]);
    if (!known) problems.push(`PASSDESK_EVENTS_TYPES: ${JSON.stringify(p)} names no event type (docs/guides/events-out.md lists them; "*" for all)`);
  }
  return i.eventsTypes;
}

/** The resolved settings; null when no destination is configured. Problems are appended to `problems`. */
export function resolveEventsOut(i: EventsOutInput, problems: string[]): EventsOutSettings | null {
  const before = problems.length;
  const syslog = syslogSettings(i, problems);
  const urls = webhookUrls(i, problems);
  const key = webhookKey(i, problems);
  const types = typePatterns(i, problems);
  if (problems.length > before || (syslog === null && urls.length === 0)) return null;
  return {
    types,
    syslog,
    webhookUrls: urls,
    webhookKey: key,
    maxAttempts: i.eventsMaxAttempts,
    retryBaseMs: i.eventsRetryBase,
    timeoutMs: i.eventsTimeout,
  };
}
