// The API as a real client sees it: openapi-fetch typed by the types openapi-typescript generated from the
// OpenAPI document (test/generated/api.d.ts), over real HTTP to a listening server on 127.0.0.1. If the
// document drifts from what the server does, these calls stop type-checking or their answers stop matching.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '../generated/api.js';
import { startTestApp, type Backend, type TestApp } from './app.js';

export type ApiClient = Client<paths> & {
  /** The cookies this client holds (its own jar: a separate browser or device). */
  readonly cookies: Map<string, string>;
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A client with its own cookie jar. Like any non-browser client, it says where it comes from on unsafe requests
 * with `Origin: <base URL>` (the server's CSRF rule, plugins/security.ts).
 */
export function apiClient(o: { url: string; origin: string; userAgent?: string }): ApiClient {
  const cookies = new Map<string, string>();
  const jar: Middleware = {
    onRequest({ request }) {
      request.headers.set('user-agent', o.userAgent ?? 'passdesk-api-client-test/1 (openapi-fetch)');
      if (UNSAFE.has(request.method)) request.headers.set('origin', o.origin);
      if (cookies.size > 0) request.headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      return request;
    },
    onResponse({ response }) {
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const expired =
          value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') <= Date.now()));
        if (expired) cookies.delete(name);
        else cookies.set(name, value);
      }
      return response;
    },
  };
  const client = createClient<paths>({ baseUrl: o.url });
  client.use(jar);
  return Object.assign(client, { cookies });
}

export interface ListeningTestApp extends TestApp {
  /** Where the server listens: http://127.0.0.1:PORT (a port the system chose). */
  url: string;
  /** A new typed client with its own cookie jar. */
  api(options?: { userAgent?: string }): ApiClient;
}

/**
 * startTestApp, then listen() on 127.0.0.1 and a free port. The base URL in the configuration stays the test
 * one (the address people are given, as behind a proxy); clients send it as their Origin.
 */
export async function startListeningTestApp(options: { backend?: Backend; config?: Record<string, unknown> } = {}): Promise<ListeningTestApp> {
  const t = await startTestApp({ ...options, config: { host: '127.0.0.1', port: 0, ...options.config } });
  let url: string;
  try {
    url = await t.app.listen();
  } catch (err) {
    await t.close();
    throw err;
  }
  return Object.assign(t, { url, api: (o?: { userAgent?: string }) => apiClient({ url, origin: t.baseUrl, ...o }) });
}

/**
 * Signs up through the API of a running server and confirms the address with the emailed link's token, as a person
 * would: `token()` finds it where the server's mail goes (an SMTP server in the test, or the dev mailbox). Answers the
 * confirmation (201 and the session cookie in this client's jar).
 */
export async function signUpAndConfirm(
  api: ApiClient,
  body: { email: string; password: string; displayName?: string },
  token: () => Promise<string>,
): Promise<Awaited<ReturnType<ApiClient['POST']>>> {
  const requested = await api.POST('/api/v1/accounts', { body });
  if (requested.response.status !== 202) throw new Error(`signing up ${body.email} answered ${requested.response.status}`);
  return api.POST('/api/v1/accounts/verify', { body: { token: await token() } });
}

/** The sign-up link's token in the newest message to `to` in the dev mailbox of a running server, waiting for it to be queued. */
export async function devMailboxToken(api: ApiClient, to: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data } = await api.GET('/api/v1/dev/mailbox', { params: { query: { to, limit: 10 } } });
    const text = data?.messages.find((m) => m.template === 'sign-up-confirmation')?.text ?? '';
    const token = /\/sign-up\/verify\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
    if (token) return token;
    // Queued by the server after its 202 (another process): real I/O to wait for, with a deadline.
    if (Date.now() > deadline) throw new Error(`no sign-up confirmation for ${to} in the dev mailbox`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
