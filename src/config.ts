// Configuration: PASSDESK_* environment variables over an optional JSON config file over defaults,
// validated once at start with a message that names the bad key.
import { readFileSync, existsSync, mkdirSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import proxyAddr from '@fastify/proxy-addr';
import type { DirectorySettings } from './directory/directory.js';
import { resolveEventsOut, type EventsOutSettings } from './events/settings.js';
import { LookError, MAX_CUSTOM_CSS_BYTES, MAX_LOGO_BYTES, resolveLook, type Look, type LookSettings } from './look.js';
import { setUpLanguages } from './core/i18n/languages.js';
import type { OverrideFile } from './core/i18n/overrides.js';

const durationPattern = /^(\d+)(ms|s|m|h|d)?$/;
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "15m", "1h", "1d" or a bare number of seconds → milliseconds. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value * 1000 : null;
  const m = durationPattern.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's') as keyof typeof unitMs;
  return n > 0 ? n * unitMs[unit] : null;
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as "30m", "1h", "24h" or a number of seconds' });
    return z.NEVER;
  }
  return ms;
});

/** The duration type, so that the generated reference (scripts/docs.ts) writes its defaults as "1h", not ms. */
export { duration as durationSchema };

/** "a, b" in the environment or ["a", "b"] in a config file; each 1–64 characters, at most 1000 of them. */
const termList = z
  .union([z.string().transform((v) => v.split(',')), z.array(z.string())])
  .transform((terms) => terms.map((t) => t.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(64, 'each term at most 64 characters')).max(1000))
  .default([]);

const intFromString = (min: number, max: number) =>
  // The union's own error: without it Zod says only "Invalid input" for "abc".
  z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'expected a whole number' }).pipe(z.number().int().min(min).max(max));

const boolFromString = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes')], {
  error: 'expected true or false (or 1/0, yes/no)',
});

/**
 * Which reverse proxies are trusted to say who the client is. The client IP is the first address that is
 * not trusted, counted from the right of X-Forwarded-For (the socket's address first); X-Forwarded-Proto
 * and -Host are believed only from a trusted socket address. Nothing trusted: the socket's address.
 */
export type TrustProxy = false | { hops: number } | { addresses: string[] };

const TRUST_PROXY_TRUE =
  'would trust every hop, so anyone could choose their IP address with X-Forwarded-For; ' +
  'write what to trust instead: the number of proxies in front (e.g. 1) or their addresses (e.g. 10.0.0.0/8, ::1)';

const trustProxy = z
  .union([z.boolean(), z.number(), z.string().transform((v) => v.split(',')), z.array(z.string())], {
    error: 'expected a number of proxies (e.g. 1) or proxy addresses/CIDRs, comma-separated',
  })
  .transform((v, ctx): TrustProxy => {
    const refuse = (message: string): typeof z.NEVER => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (v === false) return false;
    if (v === true) return refuse(TRUST_PROXY_TRUE);
    if (typeof v === 'number') {
      return Number.isInteger(v) && v >= 0 && v <= 100 ? (v === 0 ? false : { hops: v }) : refuse('expected a whole number of proxies from 1 to 100');
    }
    const entries = v.map((e) => e.trim()).filter(Boolean);
    if (entries.length === 0) return false;
    if (entries.length === 1) {
      const only = entries[0]!.toLowerCase();
      if (only === 'false' || only === 'no' || only === '0') return false;
      if (only === 'true' || only === 'yes' || only === 'on') return refuse(TRUST_PROXY_TRUE);
      if (/^\d+$/.test(only)) {
        const hops = Number(only);
        return hops <= 100 ? { hops } : refuse('expected a whole number of proxies from 1 to 100');
      }
    }
    // proxy-addr (Express's, and Fastify's) parses them: the same code that later matches them.
    for (const entry of entries) {
      try {
        proxyAddr.compile(entry);
      } catch {
        return refuse(`"${entry}" is not an IP address or CIDR (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8, or loopback, uniquelocal, linklocal)`);
      }
    }
    return { addresses: entries };
  });

/**
 * Every key, its env variable, its default and what it does (`doc`). `defaultText` says what an optional key
 * falls back to. docs/reference/configuration.md is generated from this (`npm run docs:generate`).
 */
export const configKeys = {
  host: { env: 'PASSDESK_HOST', schema: z.string().min(1).default('127.0.0.1'), doc: 'Address to listen on.' },
  port: { env: 'PASSDESK_PORT', schema: intFromString(0, 65535).default(8080), doc: 'TCP port to listen on.' },
  baseUrl: {
    env: 'PASSDESK_BASE_URL',
    defaultText: 'http://localhost:PORT when HOST is loopback or a wildcard (http://localhost:8080), else http://HOST:PORT',
    schema: z.url({ protocol: /^https?$/ }).optional(),
    doc: 'Public origin (https://id.example.org). Links, cookies, passkeys and the Origin check follow it. Default http://localhost:PORT for a loopback or wildcard HOST (passkeys need a name, not an IP address; at localhost the same port at 127.0.0.1 and [::1] is accepted too), else http://HOST:PORT.',
  },
  dataDir: { env: 'PASSDESK_DATA_DIR', schema: z.string().min(1).default('./data'), doc: 'Directory for the SQLite file and the generated secret.' },
  databaseUrl: {
    env: 'PASSDESK_DATABASE_URL',
    defaultText: 'sqlite:DATA_DIR/passdesk.sqlite',
    schema: z
      .string()
      .regex(/^(postgres(ql)?:\/\/|sqlite:|file:)/, 'expected postgres://…, sqlite:PATH or file:PATH')
      .optional(),
    doc: 'Database. Default: SQLite file DATA_DIR/passdesk.sqlite. postgres://user@host:5432/db for PostgreSQL.',
  },
  redisUrl: {
    env: 'PASSDESK_REDIS_URL',
    schema: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'expected redis://[user:pass@]host:6379[/db] or rediss://… for TLS')
      .optional(),
    doc: 'Redis for the attempt limits shared by every node (sign-in, reset, "This wasn\'t me", passkey options, bot challenges, live password checks). Unset: counted in this process only — one node. Redis unreachable: those endpoints answer 503 (fail closed); everything else keeps working.',
  },
  redisPrefix: {
    env: 'PASSDESK_REDIS_PREFIX',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'expected 1–64 letters, digits, ":", "_" or "-"')
      .default('passdesk'),
    doc: 'Prefix of every Redis key Passdesk writes, so several installations can share one Redis.',
  },
  workers: {
    env: 'PASSDESK_WORKERS',
    schema: z.union([z.literal('auto'), intFromString(1, 256)], { error: 'expected a number of processes from 1 to 256, or auto (one per core)' }).default(1),
    doc: '`passdesk serve` runs this many server processes sharing the port (auto: one per core; also `serve --workers N`). More than 1 needs PASSDESK_REDIS_URL, so that attempt limits are shared by the processes.',
  },
  // The directory backend (src/directory/): accounts and passwords in OpenLDAP or Active Directory.
  directoryKind: {
    env: 'PASSDESK_DIRECTORY_KIND',
    defaultText: "unset: passwords in Passdesk's own database",
    schema: z.enum(['openldap', 'active-directory'], { error: 'expected openldap or active-directory' }).optional(),
    doc: "Where accounts and passwords live: openldap or active-directory. Unset: Passdesk's own database (the SQL backend). Sessions, factors, passkeys, events and mail stay in Passdesk's database either way.",
  },
  directoryUrl: {
    env: 'PASSDESK_DIRECTORY_URL',
    schema: z
      .union([z.string().transform((v) => v.split(/\s+/)), z.array(z.string())])
      .transform((urls) => urls.map((u) => u.trim()).filter(Boolean))
      .pipe(
        z
          .array(z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'expected ldap://host:389 or ldaps://host:636'))
          .min(1, 'expected at least one URL')
          .max(10),
      )
      .optional(),
    doc: 'The directory servers, space-separated (in a config file: a JSON array), tried in order: ldaps://dc1.example.org ldaps://dc2.example.org.',
  },
  directoryStartTls: {
    env: 'PASSDESK_DIRECTORY_STARTTLS',
    schema: boolFromString.default(false),
    doc: 'Upgrade ldap:// connections with StartTLS before anything is sent.',
  },
  directoryCaFile: {
    env: 'PASSDESK_DIRECTORY_CA_FILE',
    schema: z.string().min(1).optional(),
    doc: "PEM file of the CA that signed the directory's certificate. Unset: the system's CAs.",
  },
  directoryTlsVerify: {
    env: 'PASSDESK_DIRECTORY_TLS_VERIFY',
    schema: boolFromString.default(true),
    doc: "Verify the directory's certificate (name and chain). false only for tests: it is refused in production.",
  },
  directoryBindDn: {
    env: 'PASSDESK_DIRECTORY_BIND_DN',
    schema: z.string().min(3).max(1000).optional(),
    doc: 'The service account Passdesk searches and resets passwords as (Active Directory: a DN or user@domain).',
  },
  directoryBindPasswordFile: {
    env: 'PASSDESK_DIRECTORY_BIND_PASSWORD_FILE',
    schema: z.string().min(1).optional(),
    doc: "File holding the service account's password (its first line), read at start.",
  },
  directoryUserBase: {
    env: 'PASSDESK_DIRECTORY_USER_BASE',
    schema: z.string().min(3).max(1000).optional(),
    doc: 'Where people are searched: ou=people,dc=example,dc=org.',
  },
  directoryUserFilter: {
    env: 'PASSDESK_DIRECTORY_USER_FILTER',
    defaultText:
      'OpenLDAP: (&(objectClass=inetOrgPerson)(|(uid={login})(mail={login}))); AD: (&(objectCategory=person)(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})(mail={login})))',
    schema: z
      .string()
      .min(3)
      .max(2000)
      .refine((f) => f.includes('{login}'), 'must contain {login}, where the typed login goes (escaped)')
      .refine((f) => f.startsWith('(') && f.endsWith(')'), 'expected an LDAP filter in parentheses')
      .optional(),
    doc: 'The filter that finds a person by what they type; {login} is replaced by the typed value, escaped. Exactly one entry must match.',
  },
  directoryLoginAttribute: {
    env: 'PASSDESK_DIRECTORY_LOGIN_ATTRIBUTE',
    defaultText: 'uid (OpenLDAP), sAMAccountName (AD)',
    schema: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected an attribute name')
      .optional(),
    doc: 'The attribute holding the login name.',
  },
  directoryMailAttribute: {
    env: 'PASSDESK_DIRECTORY_MAIL_ATTRIBUTE',
    schema: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected an attribute name')
      .default('mail'),
    doc: 'The attribute holding the address security notices go to.',
  },
  directoryNameAttribute: {
    env: 'PASSDESK_DIRECTORY_NAME_ATTRIBUTE',
    defaultText: 'cn (OpenLDAP), displayName (AD)',
    schema: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected an attribute name')
      .optional(),
    doc: 'The attribute holding the name shown on pages and in emails.',
  },
  directoryIdAttribute: {
    env: 'PASSDESK_DIRECTORY_ID_ATTRIBUTE',
    defaultText: 'entryUUID (OpenLDAP), objectGUID (AD)',
    schema: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected an attribute name')
      .optional(),
    doc: "The entry's stable id, which Passdesk's own records are keyed by (a rename or a move keeps them).",
  },
  directoryGroupRoles: {
    env: 'PASSDESK_DIRECTORY_GROUP_ROLES',
    defaultText: 'unset: roles are kept in Passdesk',
    schema: z
      .union([z.string().transform((v) => v.split(';')), z.array(z.string())])
      .transform((list) => list.map((e) => e.trim()).filter(Boolean))
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^(helpdesk|admin):\S.*=.+$/, 'expected ROLE:GROUP-DN with ROLE helpdesk or admin, e.g. admin:cn=it-admins,ou=groups,dc=example,dc=org')
              .transform((e) => {
                const i = e.indexOf(':');
                return { role: e.slice(0, i) as 'helpdesk' | 'admin', group: e.slice(i + 1).trim() };
              }),
          )
          .max(100),
      )
      .optional(),
    doc: 'Directory groups that give a Passdesk role, ";"-separated ROLE:GROUP-DN pairs (memberOf), e.g. helpdesk:cn=helpdesk,ou=groups,dc=example,dc=org;admin:cn=it-admins,ou=groups,dc=example,dc=org. Set: the role follows the groups at every sign-in (no group: user). Unset: roles are given in Passdesk.',
  },
  directoryTimeout: {
    env: 'PASSDESK_DIRECTORY_TIMEOUT',
    schema: duration.default(5000),
    doc: 'How long one directory operation may take before the directory counts as unreachable (sign-ins then fail with "try again shortly").',
  },
  directoryConnectTimeout: {
    env: 'PASSDESK_DIRECTORY_CONNECT_TIMEOUT',
    schema: duration.default(3000),
    doc: 'How long to wait for a connection to one directory server before trying the next URL.',
  },
  directoryPoolSize: {
    env: 'PASSDESK_DIRECTORY_POOL_SIZE',
    schema: intFromString(1, 64).default(4),
    doc: 'Connections kept open to the directory for searches and resets (the same number again for the binds that check passwords).',
  },
  directorySyncInterval: {
    env: 'PASSDESK_DIRECTORY_SYNC_INTERVAL',
    schema: duration.pipe(z.number().max(2_147_483_647, 'at most 24 days (a timer cannot wait longer)')).default(300_000),
    doc: 'How often the signed-in people are looked up in the directory: an entry that is gone or disabled has its sessions ended (default 5m; also at every step-up and password change).',
  },
  registration: {
    env: 'PASSDESK_REGISTRATION',
    schema: z.enum(['open', 'closed']).default('open'),
    doc: '"open": anyone may sign up; "closed": only admins and the CLI create accounts.',
  },
  secret: {
    env: 'PASSDESK_SECRET',
    defaultText: 'generated into DATA_DIR/secret',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    doc: 'Server secret: CSRF tokens and other MACs, and the keys that seal authenticator keys and queued mail. Generated into DATA_DIR/secret on first start if unset; keep it with every backup, and give every node the same one.',
  },
  environment: {
    env: 'PASSDESK_ENV',
    schema: z.enum(['development', 'production', 'test']).default('development'),
    doc: 'development: pretty logs on a terminal; production: JSON logs; test: no logs and no process metrics.',
  },
  logLevel: { env: 'PASSDESK_LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), doc: 'Log level.' },
  logFormat: {
    env: 'PASSDESK_LOG_FORMAT',
    defaultText: 'pretty on a terminal in development, else json',
    schema: z.enum(['json', 'pretty']).optional(),
    doc: 'json (default in production) or pretty (default in development on a terminal).',
  },
  organizationName: { env: 'PASSDESK_ORGANIZATION_NAME', schema: z.string().min(1).max(100).default('Passdesk'), doc: 'Name shown on pages.' },
  supportContact: {
    env: 'PASSDESK_SUPPORT_CONTACT',
    schema: z.string().max(200).optional(),
    doc: 'How to reach the help desk in free text, shown on pages and in emails beside (or, set alone, instead of) the parts below: PASSDESK_SUPPORT_EMAIL, _PHONE, _URL, _HOURS. See docs/guides/branding.md.',
  },
  supportEmail: {
    env: 'PASSDESK_SUPPORT_EMAIL',
    schema: z.email().max(254).optional(),
    doc: "The help desk's email address: a mailto: link on every page's footer, the sign-in and reset pages and in every email.",
  },
  supportPhone: {
    env: 'PASSDESK_SUPPORT_PHONE',
    schema: z
      .string()
      .max(40)
      .regex(/^\+?[0-9][0-9 ()./-]{2,38}$/, 'expected a phone number of digits, spaces and ( ) . / - with an optional leading + (e.g. +44 20 7946 0000)')
      .optional(),
    doc: "The help desk's phone number, shown as written and linked as tel: (digits and a leading + only).",
  },
  supportUrl: {
    env: 'PASSDESK_SUPPORT_URL',
    schema: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    doc: "The help desk's web page (a portal, a ticket form).",
  },
  supportHours: {
    env: 'PASSDESK_SUPPORT_HOURS',
    schema: z.string().max(200).optional(),
    doc: 'When the help desk answers, in words (e.g. "Monday to Friday, 8:00–18:00 CET"); shown beside the contact.',
  },
  privacyUrl: {
    env: 'PASSDESK_PRIVACY_URL',
    schema: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    doc: "The organisation's privacy notice, linked in every page's and email's footer.",
  },
  termsUrl: {
    env: 'PASSDESK_TERMS_URL',
    schema: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    doc: "The organisation's terms of use, linked in every page's and email's footer.",
  },
  logo: {
    env: 'PASSDESK_LOGO',
    schema: z.string().min(1).max(2048).optional(),
    doc: `The organisation's logo in every page's header and at the top of HTML emails, its name as the alt text: a PNG, JPEG, WebP or SVG file (at most ${MAX_LOGO_BYTES / 1024} KiB; checked by its content at start), served by Passdesk at a content-hashed URL, or a URL on PASSDESK_BASE_URL's own origin.`,
  },
  primaryColor: {
    env: 'PASSDESK_PRIMARY_COLOR',
    schema: z.string().max(20).optional(),
    doc: "The organisation's primary colour as hex (#1f5fd1): buttons, links, the emails' action button (the focus ring stays dark). Refused at start unless white text on it and it as link text on the page each reach WCAG AA's 4.5:1.",
  },
  customCss: {
    env: 'PASSDESK_CUSTOM_CSS',
    schema: z.string().min(1).max(4096).optional(),
    doc: `A stylesheet file of the organisation's own (at most ${MAX_CUSTOM_CSS_BYTES / 1024} KiB), served same-origin and linked after Passdesk's.`,
  },
  messagesDir: {
    env: 'PASSDESK_MESSAGES_DIR',
    schema: z.string().min(1).optional(),
    doc: 'Your own wording, read at start: a directory of <language>.json files, each {"message id": "ICU message"} (ids and English text in src/core/i18n/catalogs/en.ts). For a shipped language a file replaces just the messages it names; a file for another language must have every English id and adds that language. An unknown id, placeholders or tags other than English\'s, a broken message, invalid JSON or a name that is not a language tag refuses the start, naming the file and the id.',
  },
  pseudoLocales: {
    env: 'PASSDESK_PSEUDO_LOCALES',
    schema: boolFromString.default(false),
    doc: 'A testing aid: adds the pseudo-languages en-XA (accented English about 35 % longer, each message between ⟦ and ⟧) and ar-XB (English laid out right to left), so text not from the catalog, clipped layouts and right-to-left problems show on a page. Harmless in production, but meant for test instances.',
  },
  defaultLanguage: {
    env: 'PASSDESK_DEFAULT_LANGUAGE',
    schema: z
      .string()
      .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, 'a language tag such as en, de or fr')
      .default('en'),
    doc: 'The organisation’s language (a registered one: en, de, fr, es …): pages when neither the person nor the browser chose one, and emails to people without a saved language.',
  },
  sessionIdleTimeout: {
    env: 'PASSDESK_SESSION_IDLE_TIMEOUT',
    schema: duration.default(3_600_000),
    doc: 'Sign out after this much inactivity (NIST SP 800-63B-4 AAL2: 1h).',
  },
  sessionAbsoluteTimeout: {
    env: 'PASSDESK_SESSION_ABSOLUTE_TIMEOUT',
    schema: duration.default(86_400_000),
    doc: 'Sign out this long after sign-in, whatever the activity (NIST SP 800-63B-4 AAL2: 24h).',
  },
  argon2MemoryKib: {
    env: 'PASSDESK_ARGON2_MEMORY_KIB',
    schema: intFromString(1024, 4_194_304).default(19_456),
    doc: 'argon2id memory cost in KiB (OWASP: 19456).',
  },
  argon2Iterations: { env: 'PASSDESK_ARGON2_ITERATIONS', schema: intFromString(1, 100).default(2), doc: 'argon2id time cost (OWASP: 2).' },
  argon2Parallelism: { env: 'PASSDESK_ARGON2_PARALLELISM', schema: intFromString(1, 64).default(1), doc: 'argon2id lanes (OWASP: 1).' },
  hashThreads: {
    env: 'PASSDESK_HASH_THREADS',
    defaultText: 'one per core',
    schema: intFromString(0, 256).optional(),
    doc: "Worker threads for password hashing, each at a lower CPU priority than request handling so sign-in load never delays other requests (default: one per core; 0: libuv's shared pool).",
  },
  passwordMinLength: {
    env: 'PASSDESK_PASSWORD_MIN_LENGTH',
    schema: intFromString(8, 256).default(15),
    doc: 'Minimum password length in characters for accounts that sign in with a password alone (NIST SP 800-63B-4 §3.1.1.2: 15).',
  },
  passwordMinLengthWithSecondFactor: {
    env: 'PASSDESK_PASSWORD_MIN_LENGTH_WITH_2FA',
    schema: intFromString(8, 256).default(8),
    doc: 'Minimum length for accounts with a second factor enrolled (NIST SP 800-63B-4 §3.1.1.2: 8).',
  },
  passwordMaxLength: {
    env: 'PASSDESK_PASSWORD_MAX_LENGTH',
    schema: intFromString(64, 256).default(256),
    doc: 'Maximum length in code points after NFC normalisation; never truncated (NIST: allow at least 64).',
  },
  passwordMinStrength: {
    env: 'PASSDESK_PASSWORD_MIN_STRENGTH',
    schema: intFromString(0, 4).default(3),
    doc: 'Lowest zxcvbn strength score accepted, 0–4 (0 turns the strength rule off; common passwords are refused regardless).',
  },
  passwordBannedTerms: {
    env: 'PASSDESK_PASSWORD_BANNED_TERMS',
    schema: termList,
    doc: "The organisation's banned words, comma-separated (in a config file: a JSON array); matched with case, leetspeak and one-typo variants.",
  },
  passwordMinCharacterClasses: {
    env: 'PASSDESK_PASSWORD_MIN_CHARACTER_CLASSES',
    schema: intFromString(0, 5).default(0),
    doc: 'Organisation option: at least this many of lowercase, uppercase, digits, symbols, letters without case (Active Directory "3 of 4" = 3). 0 = off, as NIST advises.',
  },
  passwordHistory: {
    env: 'PASSDESK_PASSWORD_HISTORY',
    schema: intFromString(0, 50).default(0),
    doc: 'Organisation option: refuse the last N passwords (checked against their stored hashes). 0 = off.',
  },
  passwordMinAge: {
    env: 'PASSDESK_PASSWORD_MIN_AGE',
    defaultText: 'unset: off',
    schema: duration.optional(),
    doc: 'Organisation option: how long after a change the password cannot be changed again (stops cycling through the history). Unset = off.',
  },
  passwordMaxAge: {
    env: 'PASSDESK_PASSWORD_MAX_AGE',
    defaultText: 'unset: never',
    schema: duration.optional(),
    doc: 'Organisation option: passwords expire this long after they were set and must be changed at the next sign-in. Unset = never (NIST advises against expiry).',
  },
  passwordExpiryReminderDays: {
    env: 'PASSDESK_PASSWORD_EXPIRY_REMINDER_DAYS',
    schema: intFromString(1, 90).default(14),
    doc: 'With expiry: remind this many days before.',
  },
  checkupReminders: {
    env: 'PASSDESK_CHECKUP_REMINDERS',
    schema: boolFromString.default(false),
    doc: 'Organisation option: once a month, email each person whose security checkup (on /security) has something needing attention, listing what. At most one a month per person, never when all is good; each person can turn it off in their email settings. Off by default.',
  },
  signInMaxFailuresPerAccount: {
    env: 'PASSDESK_SIGNIN_MAX_FAILURES_PER_ACCOUNT',
    schema: intFromString(1, 10_000).default(10),
    doc: 'Failed sign-ins for one email from one IP within the throttle window before further tries from that IP get 429 (this limit never stops the owner elsewhere).',
  },
  signInMaxFailuresPerIp: {
    env: 'PASSDESK_SIGNIN_MAX_FAILURES_PER_IP',
    schema: intFromString(1, 1_000_000).default(100),
    doc: "Failed sign-ins from one IP (an IPv6 client's /64), any email, within the throttle window before each further try needs a solved bot challenge, up to PASSDESK_CHALLENGE_IP_CAP times this, then 429 (429 at once with PASSDESK_CHALLENGE=off).",
  },
  signInThrottleWindow: {
    env: 'PASSDESK_SIGNIN_THROTTLE_WINDOW',
    schema: duration.default(900_000),
    doc: 'Sliding window for sign-in failure counting (default 15m).',
  },
  signInAccountLimit: {
    env: 'PASSDESK_SIGNIN_ACCOUNT_LIMIT',
    schema: intFromString(1, 100).default(100),
    doc: 'Consecutive wrong passwords for one account, from any IPs (sign-ins, and current passwords asked of a signed-in session), after which browsers without a device cookie for it cannot sign in until a password reset or the cool-off; the owner is told by email (NIST SP 800-63B-4: at most 100).',
  },
  signInDelayFrom: {
    env: 'PASSDESK_SIGNIN_DELAY_FROM',
    schema: intFromString(1, 100).default(5),
    doc: 'From this many consecutive failures on one account, a browser without a device cookie waits before its next try: 1s, then doubling up to 15 minutes (429 SIGN_IN_THROTTLED with Retry-After).',
  },
  signInDeviceLimit: {
    env: 'PASSDESK_SIGNIN_DEVICE_LIMIT',
    schema: intFromString(1, 100).default(10),
    doc: "Failed sign-ins with one device cookie (a browser that signed in before) after which that cookie no longer exempts it from the account's waits and lock.",
  },
  signInCoolOff: {
    env: 'PASSDESK_SIGNIN_COOL_OFF',
    schema: duration.default(86_400_000),
    doc: "How long an account's or a device cookie's failure count, and a lock, last after the last counted attempt (default 24h; a reset or a right password clears the account's count sooner).",
  },
  stepUpMaxAge: {
    env: 'PASSDESK_STEP_UP_MAX_AGE',
    schema: duration.default(600_000),
    doc: 'Sensitive changes (second factors, recovery codes, recovery address, anti-phishing phrase, signing out other devices, security questions) and every administrative action need an authentication this recent with the strongest method the account has (default 10m).',
  },
  resetTokenTtl: {
    env: 'PASSDESK_RESET_TOKEN_TTL',
    schema: duration.default(1_800_000),
    doc: 'How long a password-reset link and code work, and then how long the verified reset has to choose a password (default 30m; OWASP Forgot Password).',
  },
  securityQuestions: {
    env: 'PASSDESK_SECURITY_QUESTIONS',
    schema: boolFromString.default(false),
    doc: 'Organisation option: people may set answers to security questions, and a reset of an account without a second factor then asks them too (never as the only check). Off by default: NIST SP 800-63B-4 advises against them.',
  },
  securityQuestionCount: {
    env: 'PASSDESK_SECURITY_QUESTION_COUNT',
    schema: intFromString(1, 5).default(3),
    doc: 'With security questions: how many a person answers (all are asked in a reset).',
  },
  requireTwoFactorRoles: {
    env: 'PASSDESK_REQUIRE_TWO_FACTOR_ROLES',
    schema: z
      .union([
        z.string().transform((v) => {
          const roles = v
            .split(',')
            .map((r) => r.trim())
            .filter((r) => r && r !== 'none');
          return roles.includes('all') ? ['user', 'helpdesk', 'admin'] : roles;
        }),
        z.array(z.string()),
      ])
      .pipe(z.array(z.enum(['user', 'helpdesk', 'admin'], { error: 'expected roles among user, helpdesk, admin, or all (or none)' })))
      .default([]),
    doc: 'Roles that must use two-step verification (e.g. "admin,helpdesk", or "all"; default none). Such a person without an authenticator app or passkey is signed in to set one up and nothing else (and sign out) until it is confirmed: pages lead to /security/two-factor, the API answers 403 TWO_FACTOR_SETUP_REQUIRED.',
  },
  adminApproval: {
    env: 'PASSDESK_ADMIN_APPROVAL',
    schema: boolFromString.default(false),
    doc: "Two-person approval: an action on a privileged account (PASSDESK_ADMIN_APPROVAL_ROLES) — reset email, temporary password, require a change, unlock, disable, enable, remove a second factor, change the role (also giving a privileged role), delete — waits as a request until a second, different administrator approves it within PASSDESK_ADMIN_APPROVAL_WINDOW; so does removing anyone's last second factor on an emailed caller code. Signing out everywhere never waits. The command line is not held to it (break-glass, audited). Off by default.",
  },
  adminApprovalRoles: {
    env: 'PASSDESK_ADMIN_APPROVAL_ROLES',
    schema: z
      .union([
        z.string().transform((v) =>
          v
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean),
        ),
        z.array(z.string()),
      ])
      .pipe(
        z
          .array(z.enum(['user', 'helpdesk', 'admin'], { error: 'expected roles among user, helpdesk, admin' }))
          .min(1, 'expected at least one role (turn approval off with PASSDESK_ADMIN_APPROVAL=false)'),
      )
      .default(['helpdesk', 'admin']),
    doc: 'With two-person approval: the roles whose accounts count as privileged (default "helpdesk,admin"; "user,helpdesk,admin" holds every account to it).',
  },
  adminApprovalWindow: {
    env: 'PASSDESK_ADMIN_APPROVAL_WINDOW',
    schema: duration.pipe(z.number().min(900_000, 'at least 15m').max(604_800_000, 'at most 7d')).default(86_400_000),
    doc: 'With two-person approval: how long a request waits for a second administrator before it expires and can no longer be approved (default 24h; 15m to 7d).',
  },
  resetTwoMethodRoles: {
    env: 'PASSDESK_RESET_TWO_METHOD_ROLES',
    schema: z
      .union([
        z.string().transform((v) =>
          v
            .split(',')
            .map((r) => r.trim())
            .filter((r) => r && r !== 'none'),
        ),
        z.array(z.string()),
      ])
      .pipe(z.array(z.enum(['user', 'helpdesk', 'admin'], { error: 'expected roles among user, helpdesk, admin (or none)' })))
      .default(['admin']),
    doc: 'Roles whose self-service reset needs a second method besides email (a second factor or, when on, security questions), as Entra ID does for administrators. Without one they reset through the help desk. "none" for no role.',
  },
  webauthnRpId: {
    env: 'PASSDESK_WEBAUTHN_RP_ID',
    defaultText: 'the host of the base URL',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'expected a domain name such as "example.org"')
      .optional(),
    doc: "Passkeys (WebAuthn): the relying party ID, the domain passkeys are bound to (the base URL's host or a parent domain of it). Default: the host of the base URL. Browsers refuse an IP address: open Passdesk under a name (http://localhost:8080 for a try-out).",
  },
  webauthnOrigins: {
    env: 'PASSDESK_WEBAUTHN_ORIGINS',
    defaultText: 'the base URL',
    schema: z
      .union([z.string().transform((v) => v.split(',')), z.array(z.string())])
      .transform((list) => list.map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.url({ protocol: /^https?$/, error: 'expected origins such as https://id.example.org' })).max(20))
      .optional(),
    doc: "Passkeys: the page origins whose WebAuthn responses are accepted, comma-separated (in a config file: a JSON array). Each must be on the RP ID's domain. Default: the base URL.",
  },
  notMeTokenTtl: {
    env: 'PASSDESK_NOT_ME_TOKEN_TTL',
    schema: duration.default(604_800_000),
    doc: 'How long the one-time “This wasn’t me” link in a security email works (default 7d).',
  },
  helpdeskEmail: {
    env: 'PASSDESK_HELPDESK_EMAIL',
    schema: z.email({ error: 'expected an email address' }).max(254).optional(),
    doc: 'The help desk’s address: told by email whenever someone uses “This wasn’t me”. Unset: nobody is told.',
  },
  selfDeletion: {
    env: 'PASSDESK_SELF_DELETION',
    schema: boolFromString.default(true),
    doc: 'Whether people may delete their own account from /security/data (after a grace period; see PASSDESK_SELF_DELETION_GRACE). false: the control is hidden and the API answers 403 SELF_DELETION_DISABLED; the help desk can still delete accounts.',
  },
  selfDeletionGrace: {
    env: 'PASSDESK_SELF_DELETION_GRACE',
    schema: duration.default(604_800_000),
    doc: 'How long a deletion the person asked for waits before the account and its data are removed (default 7d). Until then an emailed link, or signing in, cancels it.',
  },
  trustProxy: {
    env: 'PASSDESK_TRUST_PROXY',
    defaultText: "none: the socket's address",
    schema: trustProxy.default(false),
    doc: 'Reverse proxies in front whose X-Forwarded-For/-Proto/-Host are believed: their addresses or CIDRs, comma-separated (in a config file: a JSON array; also loopback, uniquelocal, linklocal), or how many proxies there are (e.g. 1; only when nothing can reach the service except through them). The client IP is the first untrusted address from the right. "true" is refused. Unset: the socket\'s address.',
  },
  metricsEnabled: {
    env: 'PASSDESK_METRICS',
    schema: boolFromString.default(true),
    doc: 'Serve Prometheus metrics at /metrics, to whom PASSDESK_METRICS_TOKEN or PASSDESK_METRICS_LISTEN allows (neither set: nowhere). false: never.',
  },
  metricsToken: {
    env: 'PASSDESK_METRICS_TOKEN',
    schema: z.string().trim().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').max(512).optional(),
    doc: 'Bearer token a scraper sends (Authorization: Bearer TOKEN) to read /metrics on the main port, and on PASSDESK_METRICS_LISTEN too when set. Never logged.',
  },
  metricsTokenFile: {
    env: 'PASSDESK_METRICS_TOKEN_FILE',
    schema: z.string().min(1).optional(),
    doc: 'The same token read from a file at start (a mounted secret), instead of PASSDESK_METRICS_TOKEN.',
  },
  metricsListen: {
    env: 'PASSDESK_METRICS_LISTEN',
    schema: z
      .string()
      .trim()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:9464 or [::1]:9464')
      .transform((v, ctx) => {
        const i = v.lastIndexOf(':');
        const port = Number(v.slice(i + 1));
        if (port > 65535) {
          ctx.addIssue({ code: 'custom', message: 'expected a port from 0 to 65535' });
          return z.NEVER;
        }
        return { host: v.slice(0, i).replace(/^\[|\]$/g, ''), port };
      })
      .optional(),
    doc: 'A separate HOST:PORT (e.g. 127.0.0.1:9464) that serves only /metrics, without a token unless PASSDESK_METRICS_TOKEN is set: the address itself is the access rule, so keep it off the public network.',
  },
  challenge: {
    env: 'PASSDESK_CHALLENGE',
    schema: z.enum(['off', 'auto', 'always']).default('auto'),
    doc: 'Bot challenge (proof of work, self-hosted) on sign-up, reset requests and sign-in. auto (default): asked only from an IP that reached a throttle (for sign-in: the per-IP failure limit, which then slows instead of locking out everyone behind the address); always: on every such request; off: never (the per-IP limits answer 429 again).',
  },
  challengeMaxNumber: {
    env: 'PASSDESK_CHALLENGE_MAX_NUMBER',
    schema: intFromString(10, 10_000_000).default(5000),
    doc: 'Bot challenge difficulty: the secret counter lies between half this and this; each try costs 1,000 PBKDF2-SHA-256 rounds (5000: about a second in a browser, 4 million rounds on average).',
  },
  challengeIpCap: {
    env: 'PASSDESK_CHALLENGE_IP_CAP',
    schema: intFromString(1, 100).default(10),
    doc: 'Bot challenges lift a per-IP limit only this many times over: past this multiple of the limit in its window (sign-in: 10 × PASSDESK_SIGNIN_MAX_FAILURES_PER_IP) a client gets 429 whatever it solves, until the window lets it under again (1: a challenge never lifts the limit).',
  },
  challengeTtl: {
    env: 'PASSDESK_CHALLENGE_TTL',
    schema: duration.default(600_000),
    doc: 'How long an issued bot challenge (or no-JavaScript ticket) can be used; each works once (default 10m).',
  },
  challengeFallbackDelay: {
    env: 'PASSDESK_CHALLENGE_FALLBACK_DELAY',
    schema: duration.default(5000),
    doc: 'Without JavaScript: a page’s ticket is accepted this long after it was issued, and one IP gets about one ticket accepted per this long (default 5s).',
  },
  breachedFile: {
    env: 'PASSDESK_BREACHED_FILE',
    defaultText: 'DATA_DIR/breached-passwords.bin',
    schema: z.string().min(1).optional(),
    doc: 'Offline breached-password set written by `passdesk breached import` (default DATA_DIR/breached-passwords.bin); a new import is picked up without a restart.',
  },
  breachedApiUrl: {
    env: 'PASSDESK_BREACHED_API_URL',
    defaultText: 'none: off',
    schema: z.url({ protocol: /^https?$/ }).optional(),
    doc: 'Base URL of a Pwned Passwords range API (k-anonymity: only 5 hex characters of the SHA-1 are sent), e.g. https://api.pwnedpasswords.com. Off unless set.',
  },
  breachedApiTimeout: {
    env: 'PASSDESK_BREACHED_API_TIMEOUT',
    schema: duration.default(2000),
    doc: 'How long to wait for the range API before treating it as unreachable.',
  },
  breachedApiOnError: {
    env: 'PASSDESK_BREACHED_API_ON_ERROR',
    schema: z.enum(['open', 'closed']).default('open'),
    doc: 'When the range API is unreachable: "open" accepts the password (the offline set still applies), "closed" refuses it until the API answers.',
  },
  // Mail (mail/): delivery of the outbox.
  smtpUrl: {
    env: 'PASSDESK_SMTP_URL',
    defaultText: 'none: the dev mailbox on a loopback base URL outside production',
    schema: z
      .string()
      .regex(/^smtps?:\/\/[^/\s]+/, 'expected smtp://user:pass@host:port or smtps://…')
      .optional(),
    doc: 'SMTP server for outgoing mail (smtp://user:pass@host:587, smtps://… for TLS from the start). Unset: the dev mailbox on a loopback base URL outside production; on any other base URL Passdesk refuses to start (unless PASSDESK_DEV_MAILBOX=true); in production messages wait in the outbox.',
  },
  devMailbox: {
    env: 'PASSDESK_DEV_MAILBOX',
    schema: boolFromString.default(false),
    doc: 'DANGEROUS: keep the dev mailbox (every email, reset links included, readable by anyone at /dev/mailbox) on a base URL that is not loopback. Without SMTP it is on by itself only for localhost, 127.0.0.0/8 and [::1]; never in production.',
  },
  smtpSecurity: {
    env: 'PASSDESK_SMTP_SECURITY',
    schema: z.enum(['auto', 'starttls', 'tls', 'none']).default('auto'),
    doc: 'auto: STARTTLS when offered (TLS for smtps://); starttls: refuse to send without STARTTLS; tls: TLS from the start; none: never upgrade.',
  },
  smtpCaFile: {
    env: 'PASSDESK_SMTP_CA_FILE',
    schema: z.string().min(1).optional(),
    doc: "PEM file of a CA to trust for the SMTP server's certificate, besides the system's.",
  },
  mailFrom: {
    env: 'PASSDESK_MAIL_FROM',
    defaultText: '"ORGANIZATION_NAME" <no-reply@BASE_URL host>',
    schema: z.string().min(3).max(254).optional(),
    doc: 'From address of every email. Default "ORGANIZATION_NAME" <no-reply@BASE_URL host>.',
  },
  mailReplyTo: { env: 'PASSDESK_MAIL_REPLY_TO', schema: z.string().min(3).max(254).optional(), doc: 'Reply-To address (e.g. the help desk). Default: none.' },
  mailLogoUrl: {
    env: 'PASSDESK_MAIL_LOGO_URL',
    schema: z.url({ protocol: /^https$/ }).optional(),
    doc: 'https URL of a logo shown at the top of HTML emails.',
  },
  dkimPrivateKey: {
    env: 'PASSDESK_DKIM_PRIVATE_KEY',
    schema: z.string().min(1).optional(),
    doc: 'DKIM signing key: a PEM, or the path of a PEM file. Needs PASSDESK_DKIM_SELECTOR.',
  },
  dkimSelector: {
    env: 'PASSDESK_DKIM_SELECTOR',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,63}$/, 'expected a DNS label such as "passdesk"')
      .optional(),
    doc: 'DKIM selector (the key is published at SELECTOR._domainkey.DOMAIN).',
  },
  dkimDomain: {
    env: 'PASSDESK_DKIM_DOMAIN',
    defaultText: "the From address's domain",
    schema: z.string().min(1).max(253).optional(),
    doc: 'DKIM signing domain. Default: the domain of the From address.',
  },
  mailMaxAttempts: {
    env: 'PASSDESK_MAIL_MAX_ATTEMPTS',
    schema: intFromString(1, 100).default(10),
    doc: 'Delivery attempts per message before it is marked failed.',
  },
  mailRetryBase: {
    env: 'PASSDESK_MAIL_RETRY_BASE',
    schema: duration.default(30_000),
    doc: 'Wait before the first retry; it doubles with each further attempt, up to 1h (default 30s: 30s, 1m, 2m … ).',
  },
  mailRetention: {
    env: 'PASSDESK_MAIL_RETENTION',
    schema: duration.default(2_592_000_000),
    doc: 'Sent and failed messages are deleted from the outbox this long after they settled (default 30d); their bodies are dropped at once.',
  },
  // Events out (events/): the audit log sent, as it is written, to syslog and webhooks through the outbox.
  eventsSyslogUrl: {
    env: 'PASSDESK_EVENTS_SYSLOG_URL',
    schema: z.string().min(1).max(300).optional(),
    doc: 'Send audit events to this syslog receiver as RFC 5424 messages over TCP (tcp://host:port) or TLS (tls://host:6514, RFC 5425), octet-counted (RFC 6587). Unset: no syslog.',
  },
  eventsSyslogCaFile: {
    env: 'PASSDESK_EVENTS_SYSLOG_CA_FILE',
    schema: z.string().min(1).optional(),
    doc: "PEM file of the CA that signed the syslog receiver's certificate (tls:// only). Unset: the system's CAs. The certificate must name the URL's host.",
  },
  eventsSyslogFacility: {
    env: 'PASSDESK_EVENTS_SYSLOG_FACILITY',
    schema: z.string().min(1).max(16).default('authpriv'),
    doc: 'Syslog facility of the messages: a name (authpriv, auth, daemon, local0 … local7) or a number 0–23.',
  },
  eventsSyslogAppName: {
    env: 'PASSDESK_EVENTS_SYSLOG_APP_NAME',
    schema: z
      .string()
      .regex(/^[\x21-\x7e]{1,48}$/, 'expected 1–48 printable ASCII characters without spaces (RFC 5424 APP-NAME)')
      .default('passdesk'),
    doc: 'APP-NAME of the syslog messages.',
  },
  eventsSyslogHostname: {
    env: 'PASSDESK_EVENTS_SYSLOG_HOSTNAME',
    defaultText: "this machine's host name",
    schema: z.string().min(1).max(255).optional(),
    doc: 'HOSTNAME of the syslog messages (the sending node). Default: the host name of the machine that delivers them.',
  },
  eventsSyslogSdId: {
    env: 'PASSDESK_EVENTS_SYSLOG_SD_ID',
    schema: z
      .string()
      .regex(/^[\x21-\x7e]{1,32}$/, 'expected NAME@NUMBER, at most 32 printable ASCII characters (RFC 5424 SD-ID)')
      .refine((v) => /^[^@="\]\s]+@\d+(\.\d+)*$/.test(v), 'expected NAME@NUMBER, a private enterprise number after the @ (RFC 5424 §7.2.2)')
      .default('passdesk@32473'),
    doc: "SD-ID of the structured data with the event's fields. 32473 is the example enterprise number of RFC 5612; an organisation with its own may use it.",
  },
  eventsWebhookUrl: {
    env: 'PASSDESK_EVENTS_WEBHOOK_URL',
    schema: z
      .union([z.string().transform((v) => v.split(/[\s,]+/)), z.array(z.string())])
      .transform((urls) => urls.map((u) => u.trim()).filter(Boolean))
      .pipe(z.array(z.string().max(2000)).max(10, 'at most 10 URLs'))
      .default([]),
    doc: 'Send audit events as signed JSON POSTs (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) to these URLs, comma- or space-separated; https:// (plain http only to loopback outside production). Needs PASSDESK_EVENTS_WEBHOOK_SECRET_FILE.',
  },
  eventsWebhookSecretFile: {
    env: 'PASSDESK_EVENTS_WEBHOOK_SECRET_FILE',
    schema: z.string().min(1).optional(),
    doc: 'File holding the webhook signing secret: whsec_ and the base64 of 24–64 random bytes (echo "whsec_$(openssl rand -base64 32)"); receivers verify the HMAC-SHA256 with it.',
  },
  eventsTypes: {
    env: 'PASSDESK_EVENTS_TYPES',
    schema: z
      .union([z.string().transform((v) => v.split(',')), z.array(z.string())])
      .transform((types) => types.map((t) => t.trim()).filter(Boolean))
      .pipe(
        z
          .array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, 'expected event types (signin.failed), families (admin.*) or *'))
          .min(1)
          .max(200),
      )
      .default(['*']),
    doc: 'Which audit events are sent: * (all), families such as signin.* or admin.*, or single types, comma-separated.',
  },
  eventsMaxAttempts: {
    env: 'PASSDESK_EVENTS_MAX_ATTEMPTS',
    schema: intFromString(1, 1000).default(48),
    doc: 'Delivery attempts per event and destination before it is marked failed (default 48: with the 1h cap, about two days of outage); `passdesk events retry` queues failed ones again.',
  },
  eventsRetryBase: {
    env: 'PASSDESK_EVENTS_RETRY_BASE',
    schema: duration.default(30_000),
    doc: 'Wait before the first retry of an event; it doubles with each further attempt, up to 1h.',
  },
  eventsTimeout: {
    env: 'PASSDESK_EVENTS_TIMEOUT',
    schema: duration.default(10_000),
    doc: 'How long one delivery may take (connect, TLS, the webhook answer) before it counts as failed.',
  },
  eventsWorker: {
    env: 'PASSDESK_EVENTS_WORKER',
    schema: boolFromString.default(true),
    doc: 'Deliver events from the server process. false when separate `passdesk worker` processes deliver.',
  },
  retentionEventDeliveries: {
    env: 'PASSDESK_RETENTION_EVENT_DELIVERIES',
    schema: duration.default(604_800_000),
    doc: 'Copies of events sent to syslog or webhooks are deleted this long after they were delivered or failed (default 7d); one not yet delivered stays.',
  },
  retentionSessions: {
    env: 'PASSDESK_RETENTION_SESSIONS',
    schema: duration.default(7_776_000_000),
    doc: 'Sessions are deleted this long after they ended (expired or signed out; default 90d). A device unseen for longer counts as new again.',
  },
  retentionEvents: {
    env: 'PASSDESK_RETENTION_EVENTS',
    schema: duration.default(31_536_000_000),
    doc: "The audit log (the activity page) keeps events this long (default 365d): the organisation's choice.",
  },
  retentionFlows: {
    env: 'PASSDESK_RETENTION_FLOWS',
    schema: duration.default(604_800_000),
    doc: 'Password resets, pending second steps, "This wasn\'t me" links, attempt windows and the help desk\'s caller checks are deleted this long after they expired (default 7d); a temporary password too, once the account has chosen a new one; and a settled request for two-person approval, this long after its window.',
  },
  // A timer's delay: Node turns anything over 2^31 − 1 ms (about 24.8 days) into 1 ms, which would sweep non-stop.
  retentionInterval: {
    env: 'PASSDESK_RETENTION_INTERVAL',
    schema: duration.pipe(z.number().max(2_147_483_647, 'at most 24 days (a timer cannot wait longer)')).default(3_600_000),
    doc: 'How often retention runs (the job above and the outbox sweep; default 1h, and once at start).',
  },
  mailWorker: {
    env: 'PASSDESK_MAIL_WORKER',
    schema: boolFromString.default(true),
    doc: 'Deliver mail from the server process. false when separate `passdesk worker` processes deliver.',
  },
} as const;

type Keys = typeof configKeys;

const SENSITIVE_KEYS: ReadonlySet<string> = new Set<keyof Keys>([
  'secret',
  'databaseUrl',
  'breachedApiUrl',
  'smtpUrl',
  'dkimPrivateKey',
  'metricsToken',
  'eventsWebhookUrl',
]);
export type Config = { [K in keyof Keys]: z.output<Keys[K]['schema']> } & {
  /** Resolved public origin, no trailing slash. */
  baseUrl: string;
  /** Resolved database URL. */
  databaseUrl: string;
  /** Resolved path of the offline breached-password set. */
  breachedFile: string;
  /** The secret as bytes. */
  secretBytes: Uint8Array;
  /** Resolved WebAuthn relying party ID. */
  webauthnRpId: string;
  /** Resolved WebAuthn origins (each without a trailing slash). */
  webauthnOrigins: string[];
  /** The directory backend's settings (src/directory/); null: passwords in Passdesk's own database. */
  directory: DirectorySettings | null;
  /** Events out (src/events/): null when neither syslog nor a webhook is configured. */
  eventsOut: EventsOutSettings | null;
  /** The organisation's look (src/look.ts): logo, colours, support contact, legal links; files read and checked. */
  look: Look;
  configFile: string | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Values that win over everything (tests, CLI flags). */
  overrides?: Partial<Record<keyof Keys, unknown>>;
  /** Write a generated secret to DATA_DIR (default true). */
  persistSecret?: boolean;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const configFile = env.PASSDESK_CONFIG;
  let fileValues: Record<string, unknown> = {};
  if (configFile) {
    let raw: string;
    try {
      raw = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`PASSDESK_CONFIG: cannot read ${configFile}: ${(err as Error).message}`);
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      fileValues = parsed as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`PASSDESK_CONFIG: ${configFile} is not a JSON object: ${(err as Error).message}`);
    }
    for (const key of Object.keys(fileValues)) {
      if (!(key in configKeys)) {
        throw new ConfigError(`${configFile}: unknown key "${key}" (known keys: ${Object.keys(configKeys).join(', ')})`);
      }
    }
  }

  // Every problem at once, so an operator fixes them in one go rather than one restart each.
  const problems: string[] = unknownVariables(env);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(configKeys)) {
    let value: unknown = fileValues[key];
    let source = configFile ? `${configFile}: ${key}` : key;
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      value = fromEnv;
      source = spec.env;
    }
    const override = options.overrides?.[key as keyof Keys];
    if (override !== undefined) {
      value = override;
      source = key;
    }
    const result = (spec.schema as z.ZodType).safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      // Never echo a secret, nor a database URL that may carry a password.
      const got = SENSITIVE_KEYS.has(key) ? '' : ` (got ${JSON.stringify(value)})`;
      problems.push(`${source}: ${issue?.message ?? 'invalid value'}${got}`);
      continue;
    }
    out[key] = result.data;
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  setUpLanguagesFromConfig(out.messagesDir as string | undefined, out.pseudoLocales as boolean);

  const cfg = out as Omit<Config, 'secretBytes' | 'configFile' | 'webauthnRpId' | 'webauthnOrigins' | 'directory' | 'eventsOut' | 'look'> & {
    baseUrl: string | undefined;
    databaseUrl: string | undefined;
    webauthnRpId: string | undefined;
    webauthnOrigins: string[] | undefined;
  };
  if (cfg.passwordMinLength > cfg.passwordMaxLength) {
    throw new ConfigError(`PASSDESK_PASSWORD_MIN_LENGTH (${cfg.passwordMinLength}) is larger than PASSDESK_PASSWORD_MAX_LENGTH (${cfg.passwordMaxLength})`);
  }
  if (cfg.passwordMinAge !== undefined && cfg.passwordMaxAge !== undefined && cfg.passwordMinAge >= cfg.passwordMaxAge) {
    throw new ConfigError('PASSDESK_PASSWORD_MIN_AGE must be shorter than PASSDESK_PASSWORD_MAX_AGE');
  }
  const dataDir = resolve(cfg.dataDir);
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  // A wildcard address is no origin a browser can visit, and at an IP address passkeys cannot work (WebAuthn wants a
  // domain as RP ID): listening on loopback or everywhere, the default base URL is http://localhost:PORT.
  const localName = ['0.0.0.0', '[::]', '127.0.0.1', '[::1]', 'localhost'].includes(host);
  const baseUrl = new URL(cfg.baseUrl ?? `http://${localName ? 'localhost' : host}:${cfg.port}`);
  if (baseUrl.pathname !== '/' || baseUrl.search || baseUrl.hash) {
    throw new ConfigError(`PASSDESK_BASE_URL: must be an origin without a path (got ${cfg.baseUrl})`);
  }
  const databaseUrl = cfg.databaseUrl ?? `sqlite:${join(dataDir, 'passdesk.sqlite')}`;
  const metricsToken = resolveMetricsToken(cfg.metricsToken, cfg.metricsTokenFile);
  const { rpId: webauthnRpId, origins: webauthnOrigins } = resolveWebauthn(baseUrl, cfg.webauthnRpId, cfg.webauthnOrigins);
  const directory = resolveDirectory(cfg);
  const eventsProblems: string[] = [];
  const eventsOut = resolveEventsOut(cfg, eventsProblems);
  if (eventsProblems.length > 0) throw new ConfigError(eventsProblems.join('; '));
  const look = loadLook({ ...cfg, baseUrl: baseUrl.origin });
  const secret = cfg.secret ?? loadOrCreateSecret(dataDir, options.persistSecret ?? true);
  return {
    ...(cfg as Omit<
      Config,
      'secretBytes' | 'configFile' | 'baseUrl' | 'databaseUrl' | 'breachedFile' | 'webauthnRpId' | 'webauthnOrigins' | 'directory' | 'eventsOut' | 'look'
    >),
    directory,
    look,
    eventsOut,
    dataDir,
    webauthnRpId,
    webauthnOrigins,
    baseUrl: baseUrl.origin,
    databaseUrl,
    metricsToken,
    breachedFile: resolve((out.breachedFile as string | undefined) ?? join(dataDir, 'breached-passwords.bin')),
    secretBytes: new Uint8Array(Buffer.from(secret, 'utf8')),
    configFile,
  };
}

/** The look's settings read and checked (files, contrast); a refusal is one ConfigError line. */
function loadLook(settings: LookSettings): Look {
  try {
    return resolveLook(settings);
  } catch (err) {
    if (err instanceof LookError) throw new ConfigError(err.message);
    throw err;
  }
}

/**
 * The languages of this process (core/i18n/languages.ts), registered here so that nothing formats a message before
 * them: the pseudo-locales if asked for, and the operator's files in PASSDESK_MESSAGES_DIR, read and checked now.
 */
function setUpLanguagesFromConfig(dir: string | undefined, pseudoLocales: boolean): void {
  const problems: string[] = [];
  const overrideFiles = dir === undefined ? [] : readMessageFiles(dir, problems);
  if (problems.length === 0) problems.push(...setUpLanguages({ pseudoLocales, overrideFiles }));
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `PASSDESK_MESSAGES_DIR: ${p}`).join('; '));
}

/** The files of PASSDESK_MESSAGES_DIR; entries starting with "." (a Kubernetes ConfigMap's ..data) and folders are not files. */
function readMessageFiles(dir: string, problems: string[]): OverrideFile[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith('.') && !entry.isDirectory())
      .map((entry) => entry.name);
  } catch (err) {
    problems.push(`cannot read the directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return [];
  }
  const files: OverrideFile[] = [];
  for (const name of names) {
    try {
      files.push({ name, text: readFileSync(join(dir, name), 'utf8') });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR') problems.push(`${name}: cannot read it: ${code ?? 'error'}`); // EISDIR: a link to a folder
    }
  }
  return files;
}

/** Variables of the project's own tooling (test and CI scripts), not of the service. */
const TOOLING_PREFIXES = ['PASSDESK_TEST_', 'PASSDESK_E2E_', 'PASSDESK_CI_', 'PASSDESK_BENCH_'];

/**
 * A mistyped variable (PASSDESK_PROT=9000) would otherwise be ignored without a word and the service would start
 * on defaults the operator did not choose; so an unknown PASSDESK_* name is refused, with the nearest known name.
 */
function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set<string>(['PASSDESK_CONFIG', ...Object.values(configKeys).map((k) => k.env)]);
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('PASSDESK_') || known.has(name) || TOOLING_PREFIXES.some((p) => name.startsWith(p))) continue;
    const nearest = [...known].map((k) => ({ k, d: editDistance(name, k) })).sort((a, b) => a.d - b.d)[0];
    const hint = nearest && nearest.d <= 3 ? ` (did you mean ${nearest.k}?)` : ' (`passdesk config keys` lists them all)';
    problems.push(`${name}: unknown setting${hint}`);
  }
  return problems;
}

/** Levenshtein distance, for the "did you mean" hint. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The relying party ID defaults to the base URL's host and the accepted origins to the base URL. An origin
 * must be on the RP ID's domain (WebAuthn §5.1.3: the RP ID is the origin's effective domain or a
 * registrable suffix of it), otherwise no browser would ever produce a response the service accepts.
 */
function resolveWebauthn(baseUrl: URL, rpIdSetting: string | undefined, originsSetting: string[] | undefined): { rpId: string; origins: string[] } {
  const rpId = rpIdSetting ?? baseUrl.hostname.replace(/^\[|\]$/g, '');
  const origins: string[] = [];
  for (const raw of originsSetting ?? [baseUrl.origin]) {
    const url = new URL(raw);
    if (url.pathname !== '/' || url.search || url.hash) throw new ConfigError(`PASSDESK_WEBAUTHN_ORIGINS: each must be an origin without a path (got ${raw})`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new ConfigError(`PASSDESK_WEBAUTHN_ORIGINS: ${url.origin} is not on the domain of the relying party ID "${rpId}" (PASSDESK_WEBAUTHN_RP_ID)`);
    }
    origins.push(url.origin);
  }
  return { rpId, origins };
}

type DirectoryKeys = Pick<z.output<z.ZodObject<{ [K in keyof Keys]: Keys[K]['schema'] }>>, Extract<keyof Keys, `directory${string}`> | 'environment'>;

const DIRECTORY_DEFAULTS = {
  openldap: {
    userFilter: '(&(objectClass=inetOrgPerson)(|(uid={login})(mail={login})))',
    login: 'uid',
    displayName: 'cn',
    id: 'entryUUID',
  },
  'active-directory': {
    userFilter: '(&(objectCategory=person)(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})(mail={login})))',
    login: 'sAMAccountName',
    displayName: 'displayName',
    id: 'objectGUID',
  },
} as const;

/** PASSDESK_DIRECTORY_*: every missing or contradictory setting reported at once, the password read from its file. */
function resolveDirectory(cfg: DirectoryKeys): DirectorySettings | null {
  const kind = cfg.directoryKind;
  if (!kind) {
    const stray = (['directoryUrl', 'directoryBindDn', 'directoryBindPasswordFile', 'directoryUserBase'] as const).filter((k) => cfg[k] !== undefined);
    if (stray.length > 0)
      throw new ConfigError(`${stray.map((k) => configKeys[k].env).join(', ')}: set, but PASSDESK_DIRECTORY_KIND is not (openldap or active-directory)`);
    return null;
  }
  const problems: string[] = [];
  for (const key of ['directoryUrl', 'directoryBindDn', 'directoryBindPasswordFile', 'directoryUserBase'] as const) {
    if (cfg[key] === undefined) problems.push(`${configKeys[key].env}: required with PASSDESK_DIRECTORY_KIND=${kind}`);
  }
  const urls = cfg.directoryUrl ?? [];
  const tls = cfg.directoryStartTls || (urls.length > 0 && urls.every((u) => u.startsWith('ldaps://')));
  // Active Directory accepts unicodePwd only over an encrypted connection; OpenLDAP would carry passwords in clear.
  if (urls.length > 0 && !tls)
    problems.push('PASSDESK_DIRECTORY_URL: passwords would cross the network unencrypted; use ldaps:// URLs or PASSDESK_DIRECTORY_STARTTLS=true');
  if (!cfg.directoryTlsVerify && cfg.environment === 'production')
    problems.push('PASSDESK_DIRECTORY_TLS_VERIFY=false: refused in production (anyone on the path could read passwords)');
  const bindPassword = cfg.directoryBindPasswordFile ? readFirstLine('PASSDESK_DIRECTORY_BIND_PASSWORD_FILE', cfg.directoryBindPasswordFile, problems) : null;
  const ca = cfg.directoryCaFile ? readPem('PASSDESK_DIRECTORY_CA_FILE', cfg.directoryCaFile, problems) : null;
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  const defaults = DIRECTORY_DEFAULTS[kind];
  return {
    kind,
    urls,
    startTls: cfg.directoryStartTls,
    ca,
    tlsVerify: cfg.directoryTlsVerify,
    bindDn: cfg.directoryBindDn!,
    bindPassword: bindPassword!,
    userBase: cfg.directoryUserBase!,
    userFilter: cfg.directoryUserFilter ?? defaults.userFilter,
    attributes: {
      login: cfg.directoryLoginAttribute ?? defaults.login,
      mail: cfg.directoryMailAttribute,
      displayName: cfg.directoryNameAttribute ?? defaults.displayName,
      id: cfg.directoryIdAttribute ?? defaults.id,
    },
    groupRoles: cfg.directoryGroupRoles ?? [],
    timeoutMs: cfg.directoryTimeout,
    connectTimeoutMs: cfg.directoryConnectTimeout,
    poolSize: cfg.directoryPoolSize,
  };
}

function readFirstLine(name: string, file: string, problems: string[]): string | null {
  try {
    const line = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
    if (line.length === 0) problems.push(`${name}: ${file} is empty`);
    return line;
  } catch (err) {
    problems.push(`${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return null;
  }
}

function readPem(name: string, file: string, problems: string[]): string | null {
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${name}: ${file} holds no PEM certificate`);
    return pem;
  } catch (err) {
    problems.push(`${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return null;
  }
}

/** PASSDESK_METRICS_TOKEN, or the first line of PASSDESK_METRICS_TOKEN_FILE; never both. */
function resolveMetricsToken(token: string | undefined, file: string | undefined): string | undefined {
  if (file === undefined) return token;
  if (token !== undefined) throw new ConfigError('PASSDESK_METRICS_TOKEN and PASSDESK_METRICS_TOKEN_FILE: set one, not both');
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`PASSDESK_METRICS_TOKEN_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (value.length < 32 || value.length > 512 || /\s/.test(value)) {
    throw new ConfigError(`PASSDESK_METRICS_TOKEN_FILE: ${file} must hold one token of 32 to 512 characters (e.g. openssl rand -hex 32)`);
  }
  return value;
}

/** localhost, 127.0.0.0/8 or ::1: a base URL only this machine can open. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

function loadOrCreateSecret(dataDir: string, persist: boolean): string {
  const path = join(dataDir, 'secret');
  if (existsSync(path)) {
    const value = readFileSync(path, 'utf8').trim();
    if (value.length < 32) throw new ConfigError(`${path}: the stored secret is too short; delete the file to generate a new one`);
    return value;
  }
  const value = randomBytes(32).toString('base64url');
  if (persist) {
    // 0700: the directory also holds the database (password hashes), which SQLite creates with the umask.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  }
  return value;
}

/**
 * The organisation's language must be one Passdesk can speak. Checked at start after every catalog is registered
 * (shipped ones, pseudo-locales, an operator's own), not when the configuration is read.
 */
export function assertDefaultLanguage(config: Pick<Config, 'defaultLanguage'>, available: readonly string[]): void {
  if (!available.includes(config.defaultLanguage)) {
    throw new ConfigError(`PASSDESK_DEFAULT_LANGUAGE: "${config.defaultLanguage}" is not a registered language (one of ${available.join(', ')})`);
  }
}
