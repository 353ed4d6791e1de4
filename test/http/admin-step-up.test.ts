// Every administrative action needs a recent authentication with the administrator's strongest method
// (flows/admin.ts): a stale admin session gets 403 REAUTHENTICATION_REQUIRED and changes nothing; after
// POST /api/v1/session/reauthenticate the same request succeeds. Run on SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { registerAccount } from '../../src/flows/register.js';

/** Beyond the 10-minute step-up window, inside the 1-hour idle timeout: the session is alive but stale. */
const STALE_MS = 11 * 60_000;

interface AdminRoute {
  name: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body(n: number): unknown;
  status: number;
  /** What the request would have changed: checked to be absent after the refusal, present after success. */
  changed(t: TestApp, n: number): Promise<boolean>;
}

// Every administrative route. A new one goes here (and calls assertAdministrator); the tripwire at the end of
// this file fails when a role check appears somewhere this list does not know about.
const ADMIN_ROUTES: AdminRoute[] = (['user', 'helpdesk', 'admin'] as const).map((role) => ({
  name: `create an account with role ${role}`,
  method: 'POST',
  url: '/api/v1/accounts',
  body: (n: number) => ({ email: `${role}-${n}@example.org`, password: PASSWORD, role }),
  status: 201,
  changed: async (t: TestApp, n: number) => (await t.store.accounts.findAccountByEmail(`${role}-${n}@example.org`)) !== null,
}));

function refusedForStepUp(res: LightMyRequestResponse, methods: string[]): void {
  assert.equal(res.statusCode, 403, res.body);
  assert.equal(errorCode(res), 'REAUTHENTICATION_REQUIRED');
  assert.deepEqual((res.json() as { error: { details: { methods: string[] } } }).error.details.methods, methods);
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`administrative actions need step-up (${backend})`, () => {
    let t: TestApp;
    let n = 0;
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed' } });
      for (const email of ['root@example.org', 'root2fa@example.org']) {
        await registerAccount(t.app.deps, { email, password: PASSWORD, role: 'admin' }, { ip: null, userAgent: null }, { kind: 'cli' });
      }
    });
    after(() => t.close());

    async function adminSession(email = 'root@example.org'): Promise<TestClient> {
      const c = t.client();
      assert.equal((await c.signIn(email, PASSWORD)).statusCode, 201);
      return c;
    }
    const send = (c: TestClient, r: AdminRoute, i: number): Promise<LightMyRequestResponse> => c.request(r.method, r.url, { body: r.body(i) });

    for (const route of ADMIN_ROUTES) {
      it(`${route.name}: a stale admin session gets 403 and changes nothing; after reauthenticating it succeeds`, async () => {
        const c = await adminSession();
        t.clock.advance(STALE_MS);
        const i = ++n;
        refusedForStepUp(await send(c, route, i), ['password']);
        assert.equal(await route.changed(t, i), false, 'nothing changed');
        assert.equal((await c.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);
        const ok = await send(c, route, i);
        assert.equal(ok.statusCode, route.status, ok.body);
        assert.equal(await route.changed(t, i), true);
      });

      it(`${route.name}: a fresh admin sign-in succeeds at once`, async () => {
        const c = await adminSession();
        const i = ++n;
        assert.equal((await send(c, route, i)).statusCode, route.status);
      });
    }

    it('an administrator with an authenticator app must confirm with it: the password alone is not enough', async () => {
      const code = (secret: string): string => totpCode(secret, { now: t.clock.now() });
      const c = await adminSession('root2fa@example.org');
      const start = await c.post('/api/v1/2fa/totp', {});
      assert.equal(start.statusCode, 201, start.body);
      const { secret } = start.json() as { secret: string };
      assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: code(secret) })).statusCode, 200);
      t.clock.advance(STALE_MS);
      for (const route of ADMIN_ROUTES) {
        const i = ++n;
        refusedForStepUp(await send(c, route, i), ['totp', 'recovery_code']);
        assert.notEqual((await c.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);
        refusedForStepUp(await send(c, route, i), ['totp', 'recovery_code']);
        assert.equal(await route.changed(t, i), false);
        const re = await c.post('/api/v1/session/reauthenticate', { method: 'totp', code: code(secret) });
        assert.equal(re.statusCode, 200, re.body);
        assert.equal((await send(c, route, i)).statusCode, route.status);
        t.clock.advance(STALE_MS);
      }
    });

    it('anyone but an administrator is refused (403), stale or not', async () => {
      await registerAccount(t.app.deps, { email: 'desk@example.org', password: PASSWORD, role: 'helpdesk' }, { ip: null, userAgent: null }, { kind: 'cli' });
      const c = t.client();
      assert.equal((await c.signIn('desk@example.org', PASSWORD)).statusCode, 201);
      for (const route of ADMIN_ROUTES) {
        const res = await send(c, route, ++n);
        assert.equal(res.statusCode, 403);
        assert.notEqual(errorCode(res), 'REAUTHENTICATION_REQUIRED', 'no hint that stepping up would help');
      }
    });
  });
}

it('tripwire: role checks live only where this walk knows about them', () => {
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  // HTTP routes and the flows they call; the CLI is the operator's own shell, with no session to step up.
  const found = [...files(join(src, 'http')), ...files(join(src, 'flows'))]
    .filter((f) => /\brole\s*[!=]==?\s*'(admin|helpdesk)'|kind:\s*'admin'/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(src, f))
    .sort();
  // flows/admin.ts is the check; http/sign-up/api.ts decides that a signed-in admin creating an account acts as one;
  // flows/register.ts declares that registrar. A new file here is a new admin action: add it to ADMIN_ROUTES.
  assert.deepEqual(found, ['flows/admin.ts', 'flows/register.ts', 'http/sign-up/api.ts']);
});
