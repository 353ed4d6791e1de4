// The session check's compiled serializer (http/shared/json-serializer.ts): the same text as the Zod serializer, only
// declared fields, wrong kinds refused, and anything it cannot compile left to the Zod path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { compileJsonSerializer, compiledSerializerCompiler } from '../../src/http/shared/json-serializer.js';
import { accountView, errorBody, sessionView } from '../../src/http/shared/schemas.js';

const sessionCheck = z.object({ account: accountView, session: sessionView });
const body = {
  account: {
    id: 'a1',
    email: 'ana@example.org',
    displayName: 'Ana "quoted" \\ \u2028 \u0001 \ud800',
    role: 'user',
    status: 'active',
    passwordChangedAt: null,
    mustChangePassword: true,
    mustChangeReason: 'policy',
    mustChangeMessage: 'Choose a new password.',
    emailConfirmed: true,
    createdAt: '2026-12-07T17:51:40.382Z',
  },
  session: { id: 's1', device: 'Firefox on Linux', ip: null, createdAt: 'c', lastSeenAt: 'l', expiresAt: 'e', current: true },
};

test('writes what JSON.stringify of the Zod parse writes', () => {
  const write = compileJsonSerializer(sessionCheck);
  assert.ok(write);
  assert.equal(write(body), JSON.stringify(sessionCheck.parse(body)));
  assert.deepEqual(JSON.parse(write(body)), body);
});

test('leaves out fields the schema does not declare', () => {
  const write = compileJsonSerializer(sessionCheck)!;
  const leaky = { ...body, extra: 1, account: { ...body.account, passwordHash: '$argon2id$secret' } };
  assert.equal(write(leaky), write(body));
  assert.doesNotMatch(write(leaky), /argon2|extra/);
});

test('refuses a value of the wrong kind, as the Zod parse does', () => {
  const write = compileJsonSerializer(sessionCheck)!;
  assert.throws(() => write({ ...body, account: { ...body.account, role: 'root' } }), /account\.role/);
  assert.throws(() => write({ ...body, session: { ...body.session, current: 'yes' } }), /session\.current/);
  assert.throws(() => write({ ...body, session: { ...body.session, ip: 7 } }), /session\.ip/);
  assert.throws(() => write({ ...body, session: { ...body.session, id: undefined } }), /session\.id/);
  assert.throws(() => write({ account: body.account }), /session/);
});

test('compiles only plain kinds; the rest goes the Zod way', () => {
  assert.equal(compileJsonSerializer(errorBody), null, 'an open record');
  assert.equal(compileJsonSerializer(z.object({ n: z.number() })), null);
  assert.equal(compileJsonSerializer(z.object({ s: z.string().max(3) })), null, 'a checked string');
  const viaZod = compiledSerializerCompiler({ schema: errorBody, method: 'GET', url: '/x', httpStatus: '401' });
  const error = { error: { code: 'AUTHENTICATION_REQUIRED', message: 'Sign in.' } };
  assert.equal(viaZod(error), JSON.stringify(error));
  const compiled = compiledSerializerCompiler({ schema: sessionCheck, method: 'GET', url: '/x', httpStatus: '200' });
  assert.equal(compiled(body), JSON.stringify(body));
});

test('strings are escaped exactly as JSON.stringify escapes them', () => {
  const write = compileJsonSerializer(z.object({ s: z.string() }))!;
  const samples = ['', 'plain', 'a"b', 'a\\b', '\n\t\r\b\f', '\u0000\u001f\u007f', '\u2028\u2029', 'é 日本 😀', '\ud800', 'x\udc00y', '😀\ud83d'];
  for (let c = 0; c < 0x80; c++) samples.push(`<${String.fromCharCode(c)}>`);
  for (const s of samples) assert.equal(write({ s }), JSON.stringify({ s }), JSON.stringify(s));
});
