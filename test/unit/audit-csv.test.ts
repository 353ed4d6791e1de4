// The audit log's CSV export: RFC 4180 quoting, and no cell a spreadsheet would run as a formula (OWASP "CSV
// Injection": a leading = + - @, tab or carriage return gets an apostrophe in front).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { auditCsvRow, csvCell } from '../../src/flows/help-desk/audit.js';

it('cells that start like a formula are defused; others stay as they are', () => {
  const cases: Array<[string | number | null, string]> = [
    ['=1+1', "'=1+1"],
    ['+41 44 000 00 00', "'+41 44 000 00 00"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rx', `"'\rx"`],
    ['Firefox on Linux', 'Firefox on Linux'],
    ['a=b', 'a=b'],
    [42, '42'],
    [null, ''],
  ];
  for (const [value, expected] of cases) assert.equal(csvCell(value), expected, JSON.stringify(value));
});

it('commas, quotes and line breaks are quoted, quotes doubled', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
});

it('a row has every column, the time in ISO 8601 and the detail as JSON', () => {
  const row = auditCsvRow({
    id: 7,
    accountId: 'acc',
    actorId: 'desk',
    type: 'admin.account.disable',
    createdAt: Date.UTC(2026, 10, 23, 9, 30),
    ip: '203.0.113.7',
    device: null,
    sessionId: null,
    detail: { reason: '-caller asked', ticket: 'INC-1' },
  });
  assert.equal(row, '7,2026-11-23T09:30:00.000Z,admin.account.disable,acc,desk,203.0.113.7,,,"{""reason"":""-caller asked"",""ticket"":""INC-1""}"\r\n');
});
