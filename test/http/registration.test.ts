import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';

describe('registration', () => {
  const apps: TestApp[] = [];
  after(async () => {
    for (const a of apps) await a.close();
  });
  const start = async (registration: 'open' | 'closed'): Promise<TestApp> => {
    const a = await startTestApp({ config: { registration } });
    apps.push(a);
    return a;
  };

  test('open registration: sign up, confirm by the emailed link, and the new person is signed in', async () => {
    const t = await start('open');
    const c = t.client();
    const res = await c.signUp('New@Example.org', PASSWORD, 'New Person');
    assert.equal(res.statusCode, 201);
    const { account } = res.json() as { account: { email: string; role: string; displayName: string; passwordChangedAt: string; emailConfirmed: boolean } };
    assert.equal(account.email, 'New@Example.org');
    assert.equal(account.role, 'user');
    assert.equal(account.displayName, 'New Person');
    assert.equal(account.emailConfirmed, true);
    assert.equal((await c.get('/api/v1/session')).statusCode, 200);
    assert.doesNotMatch(res.body, /argon2/, 'never a hash in a response');
  });

  test('the same email in another case is taken: a second sign-up answers the same 202 and makes nothing; an administrator is told 409', async () => {
    const t = await start('open');
    await t.client().signUp('dup@example.org', PASSWORD);
    const res = await t.client().post('/api/v1/accounts', { email: ' DUP@example.org ', password: PASSWORD });
    assert.equal(res.statusCode, 202);
    assert.equal(await t.store.accounts.countAccounts(), 1);
    const { registerAccount } = await import('../../src/flows/register.js');
    await registerAccount(t.app.deps, { email: 'root@example.org', password: PASSWORD, role: 'admin' }, { ip: null, userAgent: null }, { kind: 'cli' });
    const admin = t.client();
    await admin.signIn('root@example.org', PASSWORD);
    const taken = await admin.post('/api/v1/accounts', { email: 'Dup@Example.org', password: PASSWORD });
    assert.equal(taken.statusCode, 409);
    assert.equal(errorCode(taken), 'EMAIL_TAKEN');
  });

  test('self sign-up cannot choose a role, nor whether its address counts as confirmed', async () => {
    const t = await start('open');
    const res = await t.client().post('/api/v1/accounts', { email: 'sneaky@example.org', password: PASSWORD, role: 'admin' });
    assert.equal(res.statusCode, 403);
    const confirmed = await t.client().post('/api/v1/accounts', { email: 'sneaky@example.org', password: PASSWORD, emailConfirmed: true });
    assert.equal(confirmed.statusCode, 403);
    await t.app.deps.background!.idle();
    assert.equal(await t.store.accounts.findAccountByEmail('sneaky@example.org'), null);
    assert.equal((await t.store.outbox.listMessages({ to: 'sneaky@example.org', limit: 5 })).length, 0, 'and no email went out');
  });

  test('a weak password or a bad email is refused and nothing is created', async () => {
    const t = await start('open');
    const short = await t.client().signUp('weak@example.org', 'too short');
    assert.equal(errorCode(short), 'PASSWORD_TOO_SHORT');
    const bad = await t.client().signUp('not-an-email', PASSWORD);
    assert.equal(errorCode(bad), 'VALIDATION_FAILED');
    assert.equal(await t.store.accounts.countAccounts(), 0);
  });

  test('closed registration: only an administrator creates accounts, and may pick the role', async () => {
    const t = await start('closed');
    const res = await t.client().signUp('someone@example.org', PASSWORD);
    assert.equal(res.statusCode, 403);
    assert.equal(errorCode(res), 'REGISTRATION_CLOSED');
    assert.equal((await t.client().get('/sign-up', { headers: { accept: 'text/html' } })).statusCode, 403);

    // The first administrator comes from the CLI path (the same flow).
    const { registerAccount } = await import('../../src/flows/register.js');
    await registerAccount(t.app.deps, { email: 'admin@example.org', password: PASSWORD, role: 'admin' }, { ip: null, userAgent: null }, { kind: 'cli' });
    const admin = t.client();
    await admin.signIn('admin@example.org', PASSWORD);
    const created = await admin.post('/api/v1/accounts', { email: 'desk@example.org', password: PASSWORD, role: 'helpdesk' });
    assert.equal(created.statusCode, 201);
    assert.equal((created.json() as { account: { role: string } }).account.role, 'helpdesk');
    assert.equal(admin.sessionCookie() !== undefined, true);
    assert.equal(
      ((await admin.get('/api/v1/session')).json() as { account: { email: string } }).account.email,
      'admin@example.org',
      'the admin stays signed in as themself',
    );

    const user = t.client();
    await user.signIn('desk@example.org', PASSWORD);
    const refused = await user.post('/api/v1/accounts', { email: 'x@example.org', password: PASSWORD });
    assert.equal(errorCode(refused), 'REGISTRATION_CLOSED');
  });
});
