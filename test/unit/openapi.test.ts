// The OpenAPI document as a client generator sees it: every operation named (operationId) and its security
// declared; Redocly CLI's recommended rules pass with no error and no warning, offline; and the committed types
// that the HTTP tests' typed client uses (test/generated/api.d.ts) are the ones the document generates today.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GENERATED_TYPES, generatedTypes, lintOpenApi, openApiDocument } from '../../scripts/openapi.js';

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  tags?: string[];
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, unknown> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

describe('the OpenAPI document', () => {
  let doc: Doc;
  let operations: Array<{ method: string; path: string; op: Operation }>;
  before(async () => {
    doc = (await openApiDocument()) as unknown as Doc;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.has(method))
        .map(([method, op]) => ({ method, path, op })),
    );
  });

  it('every operation has an operationId: camelCase, unique', () => {
    assert.ok(operations.length >= 40, `${operations.length} operations`);
    const missing = operations.filter((o) => !o.op.operationId).map((o) => `${o.method.toUpperCase()} ${o.path}`);
    assert.deepEqual(missing, [], 'operations without an operationId');
    const ids = operations.map((o) => o.op.operationId!);
    assert.deepEqual(
      ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id)),
      [],
      'camelCase',
    );
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      'duplicates',
    );
  });

  it('the main operations keep their names (generated clients call them by these)', () => {
    const byRoute = new Map(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o.op.operationId]));
    for (const [route, id] of [
      ['POST /api/v1/accounts', 'createAccount'],
      ['POST /api/v1/sessions', 'signIn'],
      ['POST /api/v1/sessions/second-factor', 'signInSecondFactor'],
      ['GET /api/v1/session', 'getSession'],
      ['DELETE /api/v1/session', 'signOut'],
      ['GET /api/v1/sessions', 'listSessions'],
      ['POST /api/v1/password/change', 'changePassword'],
      ['POST /api/v1/password/reset', 'requestPasswordReset'],
      ['POST /api/v1/password/reset/verify', 'verifyPasswordReset'],
      ['POST /api/v1/password/reset/complete', 'completePasswordReset'],
      ['POST /api/v1/session/reauthenticate', 'reauthenticate'],
    ] as const) {
      assert.equal(byRoute.get(route), id, route);
    }
  });

  it('every operation declares its security: [] where none is needed, the session cookie where it is', () => {
    const schemes = Object.keys(doc.components.securitySchemes ?? {});
    assert.deepEqual(schemes, ['sessionCookie']);
    for (const { method, path, op } of operations) {
      const route = `${method.toUpperCase()} ${path}`;
      assert.ok(Array.isArray(op.security), `${route} declares security`);
      for (const requirement of op.security) {
        for (const name of Object.keys(requirement)) assert.ok(schemes.includes(name), `${route}: ${name} is a defined scheme`);
      }
    }
    const security = (route: string): unknown => operations.find((o) => `${o.method.toUpperCase()} ${o.path}` === route)?.op.security;
    assert.deepEqual(security('POST /api/v1/password/reset'), [], 'public');
    assert.deepEqual(security('GET /api/v1/session'), [{ sessionCookie: [] }], 'signed in');
    assert.deepEqual(security('POST /api/v1/sessions'), [{}, { sessionCookie: [] }], 'either: a session cookie is replaced by the new one');
  });

  it('Redocly CLI (recommended rules, redocly.yaml) reports no error and no warning, without touching the network', async () => {
    const res = await lintOpenApi({ format: 'json' });
    assert.deepEqual(res.networkAttempts, [], 'Redocly reached for the network');
    const report = JSON.parse(res.stdout) as {
      totals: { errors: number; warnings: number; ignored: number };
      problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
    };
    assert.deepEqual(
      report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`),
      [],
    );
    assert.deepEqual(report.totals, { errors: 0, warnings: 0, ignored: 0 });
    assert.equal(res.status, 0, res.stderr);
  });

  it('the offline guard would notice: a connection attempt under scripts/no-network.cjs is refused and reported', () => {
    const attempt = "require('node:dns').lookup('registry.example', () => {}); fetch('http://198.51.100.1/').catch(() => {});";
    const res = spawnSync(process.execPath, ['--require', join(process.cwd(), 'scripts/no-network.cjs'), '-e', attempt], { encoding: 'utf8' });
    assert.match(res.stderr, /^NETWORK ATTEMPT: dns lookup registry\.example$/m);
    assert.match(res.stderr, /^NETWORK ATTEMPT: connect 198\.51\.100\.1:80$/m);
  });

  it('test/generated/api.d.ts is what openapi-typescript generates from the document today (npm run generate:api-types)', async () => {
    const committed = await readFile(GENERATED_TYPES, 'utf8');
    const fresh = await generatedTypes(doc as unknown as Record<string, unknown>);
    assert.ok(committed === fresh, 'test/generated/api.d.ts is out of date with the OpenAPI document: run `npm run generate:api-types` and commit the result');
    assert.match(committed, /^\s+signIn: \{$/m, 'operations are keyed by operationId');
  });
});
