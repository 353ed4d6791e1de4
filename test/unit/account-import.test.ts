// The import file's reading (flows/help-desk/import.ts): CSV by RFC 4180 with each record's line number, JSON Lines,
// and each row's checks with a reason code per bad line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImportRow, csvRecords, formatFromFileName, importRecords } from '../../src/flows/help-desk/import.js';

test('CSV records keep the line they start on, with quoted commas, quotes and line breaks', () => {
  const text = '\uFEFFemail,name\r\na@example.org,"Doe, Jane"\r\n\r\nb@example.org,"Say ""hi""\nthere"\nc@example.org,plain\n';
  assert.deepEqual(
    [...csvRecords(text)],
    [
      { line: 1, cells: ['email', 'name'] },
      { line: 2, cells: ['a@example.org', 'Doe, Jane'] },
      { line: 4, cells: ['b@example.org', 'Say "hi"\nthere'] },
      { line: 6, cells: ['c@example.org', 'plain'] },
    ],
  );
  assert.deepEqual([...csvRecords('x,"open\n')], [{ line: 1, cells: null }]);
});

test('records of both formats, and a CSV without the header', () => {
  const csv = 'email,name,role,password_hash\na@example.org,A,user,\nb@example.org,B\n';
  assert.deepEqual(
    [...importRecords(csv, 'csv')],
    [
      { line: 2, fields: { email: 'a@example.org', name: 'A', role: 'user', password_hash: '' } },
      { line: 3, fields: null },
    ],
  );
  const jsonl = '{"email":"a@example.org","name":"A"}\n\nnot json\n[1]\n{"email":"c@example.org","role":null}\n';
  assert.deepEqual(
    [...importRecords(jsonl, 'jsonl')],
    [
      { line: 1, fields: { email: 'a@example.org', name: 'A' } },
      { line: 3, fields: null },
      { line: 4, fields: null },
      { line: 5, fields: { email: 'c@example.org', role: '' } },
    ],
  );
  assert.deepEqual([...importRecords('a@example.org,A\n', 'csv')], [{ line: 1, fields: null }]);
  assert.equal(formatFromFileName('people.CSV'), 'csv');
  assert.equal(formatFromFileName('people.jsonl'), 'jsonl');
  assert.equal(formatFromFileName('people.txt'), null);
});

test('each row is checked: email, name, role, the hash’s scheme and cost; unknown fields refused', () => {
  const ok = checkImportRow({ email: ' Jane@Example.org ', name: '', role: '', password_hash: '' });
  assert.ok(typeof ok === 'object');
  assert.equal(ok.emailNormalized, 'jane@example.org');
  assert.equal(ok.displayName, 'Jane');
  assert.equal(ok.role, 'user');
  assert.equal(ok.passwordHash, null);
  const cases: Array<[Record<string, string>, string]> = [
    [{ email: 'not-an-email' }, 'invalid-email'],
    [{ email: 'a@example.org', name: 'x\u0000y' }, 'invalid-name'],
    [{ email: 'a@example.org', role: 'root' }, 'invalid-role'],
    [{ email: 'a@example.org', password: 'plain' }, 'unknown-field'],
    [{ email: 'a@example.org', password_hash: '5f4dcc3b5aa765d61d8327deb882cf99' }, 'unsupported-hash'],
    [{ email: 'a@example.org', password_hash: `$2b$16$${'a'.repeat(53)}` }, 'hash-too-costly'],
  ];
  for (const [fields, problem] of cases) assert.equal(checkImportRow(fields), problem, JSON.stringify(fields));
});
