// Breached passwords: is this password's SHA-1 in a known breach corpus? Looked up in the offline set
// (`passdesk breached import`) and/or online through the k-anonymity range API. The password itself is
// hashed here and goes nowhere else; neither it nor its hash is ever logged.
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { OfflineSet } from './offline-set.js';
import { queryRange, RangeApiError } from './online.js';

export { BreachedSetError } from './format.js';
export { importBreachedFile, type ImportOptions, type ImportProgress, type ImportResult } from './import.js';

export type BreachedCheck = { status: 'breached'; count: number | null } | { status: 'clear' } | { status: 'unavailable'; reason: string };

export interface BreachedPasswords {
  /** SHA-1 (uppercase hex) of the UTF-8 of the NFC-normalised password, looked up offline and/or online. */
  check(password: string): Promise<BreachedCheck>;
  /** What is configured and loaded, for `passdesk breached status`, logs and the policy API. */
  describe(): {
    offline: { path: string; entries: number | null; importedAt: number | null } | null;
    online: { url: string; onError: 'open' | 'closed'; timeoutMs: number; failures: number } | null;
  };
  /** Whether any source is in use, after picking up a newly imported set (paced like lookups). */
  isActive(): Promise<boolean>;
  close(): Promise<void>;
}

/** The few logger methods used here (a pino Logger fits). */
export interface BreachedLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface BreachedPasswordsOptions {
  /** The offline set; a file that does not exist yet is picked up when it appears. */
  offlinePath: string | null;
  online?: { url: string; timeoutMs: number; onError: 'open' | 'closed' };
  /** Paces the re-check for a newly imported file (tests advance a manual clock instead of sleeping). */
  clock?: Clock;
  logger?: BreachedLogger;
}

/** The SHA-1 that breach corpora index: of the UTF-8 bytes of the NFC form. */
export function passwordSha1(password: string): Uint8Array {
  return new Uint8Array(createHash('sha1').update(password.normalize('NFC'), 'utf8').digest());
}

/**
 * Opens the offline set now, so a damaged file is an error at start (BreachedSetError), never in a request.
 * With neither source configured every check answers 'clear'.
 */
export function createBreachedPasswords(options: BreachedPasswordsOptions): BreachedPasswords {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const offline =
    options.offlinePath === null
      ? null
      : new OfflineSet({
          path: options.offlinePath,
          clock,
          onReload: (entries) => logger?.info({ path: options.offlinePath, entries }, 'breached-password set reloaded'),
          onReloadError: (err) => logger?.warn({ err: err.message }, 'a new breached-password set could not be opened; still using the previous one'),
        });
  const online = options.online ?? null;
  let onlineFailures = 0;

  return {
    async check(password) {
      const sha1 = passwordSha1(password);
      if (offline) {
        try {
          const match = await offline.lookup(sha1);
          if (match) return { status: 'breached', count: match.count };
        } catch (err) {
          logger?.warn({ err: (err as Error).message }, 'breached-password set could not be read');
          if (!online) return { status: 'unavailable', reason: 'the breached-password set could not be read' };
        }
      }
      if (!online) return { status: 'clear' };
      const hex = Buffer.from(sha1).toString('hex').toUpperCase();
      try {
        const answer = await queryRange(online, hex);
        return answer.found ? { status: 'breached', count: answer.count } : { status: 'clear' };
      } catch (err) {
        if (!(err instanceof RangeApiError)) throw err;
        onlineFailures++;
        logger?.warn({ reason: err.message, onError: online.onError }, 'breached-password API unavailable');
        return online.onError === 'open'
          ? { status: 'clear' }
          : { status: 'unavailable', reason: `the breached-password service did not answer: ${err.message}` };
      }
    },
    async isActive() {
      await offline?.refresh();
      return (offline?.header ?? null) !== null || online !== null;
    },
    describe() {
      const header = offline?.header ?? null;
      return {
        offline: offline ? { path: offline.path, entries: header?.entries ?? null, importedAt: header?.importedAt ?? null } : null,
        online: online ? { url: withoutCredentials(online.url), onError: online.onError, timeoutMs: online.timeoutMs, failures: onlineFailures } : null,
      };
    },
    async close() {
      offline?.close();
    },
  };
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** createBreachedPasswords' options from the configuration (PASSDESK_BREACHED_*; breachedFile defaults to DATA_DIR/breached-passwords.bin in config.ts). */
export function breachedOptionsFromConfig(config: {
  breachedFile: string;
  breachedApiUrl?: string | undefined;
  breachedApiTimeout: number;
  breachedApiOnError: 'open' | 'closed';
}): BreachedPasswordsOptions {
  return {
    offlinePath: config.breachedFile,
    ...(config.breachedApiUrl ? { online: { url: config.breachedApiUrl, timeoutMs: config.breachedApiTimeout, onError: config.breachedApiOnError } } : {}),
  };
}
