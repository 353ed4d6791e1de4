// What of an audit event leaves Passdesk (events out: syslog and webhooks), and which events do. The event's own
// fields, nothing looked up beside them (no email address, no name), and never a secret: flows never put a
// password, token, hash or cookie into an event's detail (store/events.ts), and this is the second line — a detail
// key that names a secret has its value replaced, whatever the flow wrote, so a future slip is not sent to a SIEM.

/** The event as receivers get it (webhook `data`, syslog structured data and message). */
export interface PublicEvent {
  /** Random, one per event: the same on every destination and every retry (the webhook-id; syslog `uid`). */
  uid: string;
  /** The audit log's own id of the event (events.id) on this installation. */
  eventId: number;
  /** Dotted, past tense, stable (store/events.ts EventType). */
  type: string;
  /** When it happened, ms since the epoch. */
  time: number;
  /** Whom it is about (an account id, not an address); null when nobody's. */
  accountId: string | null;
  /** The help desk agent or administrator who acted; null when the person (or Passdesk) did. */
  actorId: string | null;
  ip: string | null;
  /** A short description of the device (browser and system), as the activity page shows it. */
  device: string | null;
  /** The id of the session (not its token: it authenticates nothing). */
  sessionId: string | null;
  detail: Record<string, unknown> | null;
}

export const REDACTED = '[redacted]';

/** Key names whose values are never sent: tokens, secrets, cookies, hashes, codes. */
const SECRET_KEY = /token|secret|cookie|hash|digest|otp|passphrase|private|credential|^(code|codes|key|answer|answers)$/i;
/** A key naming a password keeps only a description of it (a hash scheme, true/false, a count), never a string of its own. */
const PASSWORD_KEY = /passw(or)?d|pwd/i;
const PASSWORD_DESCRIPTIONS = new Set(['none', 'argon2', 'bcrypt', 'pbkdf2', 'scrypt', 'ldap-sha', 'md5-crypt', 'sha-crypt']);
const MAX_DEPTH = 4;

function cleanValue(key: string, value: unknown, depth: number): unknown {
  if (SECRET_KEY.test(key)) return REDACTED;
  if (PASSWORD_KEY.test(key) && !(typeof value === 'boolean' || typeof value === 'number' || (typeof value === 'string' && PASSWORD_DESCRIPTIONS.has(value)))) {
    return REDACTED;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => cleanValue(key, v, depth + 1));
  return cleanDetail(value as Record<string, unknown>, depth + 1);
}

function cleanDetail(detail: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(detail)) out[key] = cleanValue(key, value, depth);
  return out;
}

/** The public form of an event row's fields (see PublicEvent), with the detail's secret-looking values redacted. */
export function publicEvent(e: {
  uid: string;
  eventId: number;
  type: string;
  time: number;
  accountId: string | null;
  actorId: string | null;
  ip: string | null;
  device: string | null;
  sessionId: string | null;
  detail: Record<string, unknown> | null;
}): PublicEvent {
  return {
    uid: e.uid,
    eventId: e.eventId,
    type: e.type,
    time: e.time,
    accountId: e.accountId,
    actorId: e.actorId,
    ip: e.ip,
    device: e.device,
    sessionId: e.sessionId,
    detail: e.detail ? cleanDetail(e.detail) : null,
  };
}

/**
 * Which event types are sent: `*` (all), a family (`signin.*`, `admin.*`: the type starts with `signin.`), or one
 * type. An empty list sends nothing.
 */
export function eventTypeMatcher(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith('.*')));
  const families = patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
  return (type) => exact.has(type) || families.some((f) => type.startsWith(f));
}
