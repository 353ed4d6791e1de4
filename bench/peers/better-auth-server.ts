/**
 * Benchmark peer: Better Auth (email + password) on SQLite via better-sqlite3.
 *
 * This is the thing a TypeScript team would reach for instead of Passdesk, so
 * it is configured as close to Better Auth's out-of-the-box defaults as
 * possible. The only deviations from a bare `betterAuth({ database })` are:
 *
 *   - `emailAndPassword.enabled: true`  (required: email/password is opt-in)
 *   - a fixed `secret`                  (required: otherwise it warns, or in
 *                                         production throws on the default)
 *   - `baseURL` set to the server's own origin (otherwise it warns and infers
 *                                         the origin per request)
 *   - `rateLimit.enabled: false`        (see the comment at the option)
 *
 * Everything else is left alone, in particular:
 *   - password hashing: Better Auth's default scrypt via node:crypto
 *     (@better-auth/utils/password: N=16384, r=16, p=1, dkLen=64, 16-byte
 *     random salt, NFKC-normalised password; runs on the libuv thread pool);
 *   - session cookie cache: OFF by default when a database is configured
 *     (`session.cookieCache.enabled` is only defaulted to true for DB-less,
 *     stateless setups), so every get-session reads the session + user from
 *     SQLite (one `session` JOIN `user` query by token);
 *   - session lifetime 7 days, updateAge 1 day (so a freshly created session is
 *     not re-written by get-session during a benchmark);
 *   - origin / CSRF checks stay ON; requests built here carry an `Origin`
 *     header equal to baseURL so they satisfy them;
 *   - telemetry: off by default (opt-in), untouched.
 *
 * Tables are created with Better Auth's programmatic migration API
 * (`getMigrations(options).runMigrations()` from `better-auth/db/migration`;
 * in 1.7.x it is not re-exported from `better-auth/db`).
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import type { BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';

/** Fixed, high-entropy (>= 32 chars) secret so Better Auth does not warn. Bench only. */
const BENCH_SECRET = 'passdesk-bench-peer-better-auth-secret-7f3c9a1e5b2d4086c1e9f0a7';

const SIGN_IN_PATH = '/api/auth/sign-in/email';
const SIGN_UP_PATH = '/api/auth/sign-up/email';
const GET_SESSION_PATH = '/api/auth/get-session';

export interface BetterAuthPeer {
  /** Origin the peer listens on, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Creates a user via POST /api/auth/sign-up/email. Throws on non-2xx. */
  signUp(email: string, password: string): Promise<void>;
  /** Signs in via POST /api/auth/sign-in/email and returns a `Cookie` header value. Throws on non-2xx. */
  signInCookie(email: string, password: string): Promise<string>;
  /** An autocannon-ready request that signs in (each one creates a new session). */
  signInRequest(email: string, password: string): { method: 'POST'; path: string; headers: Record<string, string>; body: string };
  /** An autocannon-ready request that checks a session via GET /api/auth/get-session. */
  sessionCheckRequest(cookie: string): { method: 'GET'; path: string; headers: Record<string, string> };
  /** Stops the HTTP server and closes the SQLite database. */
  close(): Promise<void>;
}

export async function startBetterAuthPeer(opts: { dataDir: string; port?: number }): Promise<BetterAuthPeer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const dbFile = join(opts.dataDir, `better-auth-${process.pid}-${Date.now()}.sqlite`);
  // better-sqlite3 with its own defaults (no pragmas set): Better Auth's docs
  // just pass `new Database("./sqlite.db")`.
  const db = new Database(dbFile);

  // Listen first so baseURL can be the real origin (random free port when
  // `port` is omitted). The handler is installed before any request is made.
  let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown) | null = null;
  // In-flight requests are tracked so close() can let them finish before the
  // database is closed (after a load run, autocannon's last requests may still
  // be queued inside Better Auth when it disconnects).
  let inFlight = 0;
  let onIdle: (() => void) | null = null;
  const server = createServer((req, res) => {
    if (!handler) {
      res.statusCode = 503;
      res.end('starting');
      return;
    }
    inFlight++;
    void Promise.resolve(handler(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) res.statusCode = 500;
        res.end();
        console.error('Better Auth peer: handler error', err);
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0 && onIdle) onIdle();
      });
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (err) {
    db.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const options = {
    database: db,
    secret: BENCH_SECRET,
    baseURL: url,
    emailAndPassword: { enabled: true },
    // Better Auth's rate limiter defaults to `enabled: isProduction`
    // (NODE_ENV === 'production'), in-memory storage, 100 req / 10 s per
    // IP+path, and a special rule of 3 req / 10 s for /sign-in*, /sign-up*,
    // /change-password, /change-email. A throughput benchmark from a single
    // client IP would just measure 429s, so the limiter (and only the
    // limiter) is switched off explicitly, making results independent of
    // NODE_ENV. Everything else stays at Better Auth's defaults.
    rateLimit: { enabled: false },
  } satisfies BetterAuthOptions;

  try {
    const { runMigrations } = await getMigrations(options);
    await runMigrations();
  } catch (err) {
    server.close();
    db.close();
    throw err;
  }

  const auth = betterAuth(options);
  handler = toNodeHandler(auth);

  // Same-origin browser-like headers: Better Auth's formCsrfMiddleware on
  // sign-in/sign-up validates an Origin header (when present, or when cookies
  // or Sec-Fetch-* headers are sent) against trustedOrigins, which by default
  // contain baseURL's origin. We satisfy the check instead of disabling it.
  const postHeaders = (): Record<string, string> => ({
    'content-type': 'application/json',
    origin: url,
  });

  const signInRequest = (email: string, password: string) => ({
    method: 'POST' as const,
    path: SIGN_IN_PATH,
    headers: postHeaders(),
    body: JSON.stringify({ email, password }),
  });

  const sessionCheckRequest = (cookie: string) => ({
    method: 'GET' as const,
    path: GET_SESSION_PATH,
    headers: { cookie },
  });

  async function post(path: string, body: unknown): Promise<Response> {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: postHeaders(),
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(`Better Auth peer: POST ${path} -> ${res.status} ${text}`);
    }
    return res;
  }

  async function signUp(email: string, password: string): Promise<void> {
    const res = await post(SIGN_UP_PATH, { name: email.split('@')[0] || email, email, password });
    await res.arrayBuffer();
  }

  async function signInCookie(email: string, password: string): Promise<string> {
    const res = await post(SIGN_IN_PATH, { email, password });
    await res.arrayBuffer();
    const pairs = res.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0]!.trim())
      .filter((pair) => pair.includes('=') && !pair.endsWith('='));
    if (!pairs.some((p) => p.includes('session_token='))) {
      throw new Error(`Better Auth peer: sign-in returned no session cookie (got: ${pairs.join('; ') || 'none'})`);
    }
    return pairs.join('; ');
  }

  let closed = false;
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const done = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeAllConnections();
    await done;
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 30_000);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    db.close();
  }

  return { url, signUp, signInCookie, signInRequest, sessionCheckRequest, close };
}
