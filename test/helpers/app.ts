// Builds a real app (real store, real argon2id, real Fastify) and drives it through HTTP with inject().
import type { LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../../src/app.js';
import type { Directory } from '../../src/directory/directory.js';
import { manualClock, type ManualClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { OutboxRepository } from '../../src/store/outbox.js';
import { openForDisplay, type OpenedOutboxMessage } from '../../src/mail/sealed-body.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './pg.js';
import { confirmationMail } from './sign-up.js';

export type Backend = 'sqlite' | 'postgres';

/**
 * The store, except that outbox messages come back with their sealed bodies opened (as the dev mailbox shows
 * them; empty once dropped), so tests read the emails a person would get. The database holds only ciphertext.
 */
export type TestStore = Omit<Store, 'outbox'> & {
  outbox: Omit<OutboxRepository, 'listMessages' | 'findMessage'> & {
    listMessages(options: Parameters<OutboxRepository['listMessages']>[0]): Promise<OpenedOutboxMessage[]>;
    findMessage(id: string): Promise<OpenedOutboxMessage | null>;
  };
};

export function withOpenedMail(store: Store, app: App): TestStore {
  const outbox = store.outbox;
  return {
    ...store,
    outbox: {
      ...outbox,
      listMessages: async (o) => (await outbox.listMessages(o)).map((m) => openForDisplay(app.mail.bodies, m)),
      findMessage: async (id) => {
        const m = await outbox.findMessage(id);
        return m ? openForDisplay(app.mail.bodies, m) : null;
      },
    },
  };
}

export interface TestApp {
  app: App;
  clock: ManualClock;
  store: TestStore;
  /** The store itself, without opening anything. */
  rawStore: Store;
  baseUrl: string;
  /** A new client with its own cookie jar (a separate browser or device). */
  client(options?: { userAgent?: string }): TestClient;
  close(): Promise<void>;
}

export async function startTestApp(options: { backend?: Backend; config?: Record<string, unknown>; directory?: Directory } = {}): Promise<TestApp> {
  const clock = manualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  let pgDb: TestDatabase | null = null;
  let databaseUrl = 'sqlite::memory:';
  if (options.backend === 'postgres') {
    pgDb = await createTestDatabase();
    databaseUrl = pgDb.url;
  }
  const config = testConfig({ databaseUrl, ...options.config });
  const store = openStore(config.databaseUrl);
  const app = await createApp({ config, clock, store, ...(options.directory ? { directory: options.directory } : {}) });
  return {
    app,
    clock,
    store: withOpenedMail(store, app),
    rawStore: store,
    baseUrl: config.baseUrl,
    client: (o) => new TestClient(app, config.baseUrl, o?.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'),
    async close() {
      await app.close();
      await store.close();
      if (pgDb) await pgDb.drop();
    },
  };
}

/**
 * Records every call the app makes to its password hasher (a dependency), by name, until restore(): tests about
 * hashing work count calls instead of timing them.
 */
export function countHashing(app: App): { calls: string[]; restore(): void } {
  const real = app.deps.hasher;
  const calls: string[] = [];
  app.deps.hasher = {
    ...real,
    hash: async (password) => {
      calls.push('hash');
      return real.hash(password);
    },
    verify: async (hash, password) => {
      calls.push('verify');
      return real.verify(hash, password);
    },
    verifyDummy: async (password) => {
      calls.push('verifyDummy');
      return real.verifyDummy(password);
    },
  };
  return {
    calls,
    restore: () => {
      app.deps.hasher = real;
    },
  };
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave out the Origin header that a browser would send on unsafe requests. */
  noOrigin?: boolean;
  form?: Record<string, string>;
  /** The socket's address the server sees (a reverse proxy's, when one is simulated); default 127.0.0.1. */
  remoteAddress?: string;
}

export class TestClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
    readonly userAgent: string,
  ) {}

  async request(method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH', url: string, o: RequestOptions = {}): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...o.headers };
    if (method !== 'GET' && !o.noOrigin && headers['origin'] === undefined) headers['origin'] = this.baseUrl;
    if (this.cookies.size > 0 && headers['cookie'] === undefined) {
      headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let payload: string | Buffer | undefined;
    if (o.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(o.form).toString();
    } else if (o.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
    }
    const res = await this.app.server.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
      ...(o.remoteAddress !== undefined ? { remoteAddress: o.remoteAddress } : {}),
    });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now()) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get(url: string, o?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('GET', url, o);
  }
  post(url: string, body?: unknown, o?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('POST', url, { ...o, body });
  }
  put(url: string, body?: unknown, o?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('PUT', url, { ...o, body });
  }
  delete(url: string, o?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('DELETE', url, o);
  }

  /**
   * Signs up as a person would: the request (202), then the link of the confirmation email, which makes the account
   * and signs this client in (201 with the account). Anything but a 202 is returned as it came (a refused password);
   * with no confirmation email (an address that has an account) the 202 is returned.
   */
  async signUp(email: string, password: string, displayName?: string, o?: RequestOptions): Promise<LightMyRequestResponse> {
    const requested = await this.post('/api/v1/accounts', { email, password, ...(displayName ? { displayName } : {}) }, o);
    if (requested.statusCode !== 202) return requested;
    const mail = await confirmationMail(this.app, email);
    return mail ? this.post('/api/v1/accounts/verify', { token: mail.token }, o) : requested;
  }
  async signIn(email: string, password: string): Promise<LightMyRequestResponse> {
    return this.post('/api/v1/sessions', { email, password });
  }
  sessionCookie(): string | undefined {
    for (const [k, v] of this.cookies) if (k.endsWith('passdesk-session')) return v;
    return undefined;
  }
  /** The CSRF token of a page's form, reading the hidden field. */
  async csrfFrom(url: string): Promise<string> {
    const res = await this.get(url, { headers: { accept: 'text/html' } });
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (!m?.[1]) throw new Error(`no CSRF field on ${url} (status ${res.statusCode})`);
    return m[1];
  }
}

export function errorCode(res: LightMyRequestResponse): string | undefined {
  try {
    return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** PASSDESK_METRICS_TOKEN for apps whose tests read /metrics (it is served to nobody else). */
export const METRICS_TOKEN = 'test-metrics-token-0123456789abcdefghijklmnop';
export const METRICS_AUTH = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
export const PASSWORD = 'correct horse battery staple';
export const NEW_PASSWORD = 'a completely different passphrase';
