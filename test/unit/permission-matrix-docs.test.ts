// The README's permission matrix is the one in core/admin-permissions.ts, written out: this test builds the table
// from ADMIN_ACTIONS and fails when the README's copy (between the admin-permissions markers) differs. On failure,
// paste the table it prints.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ADMIN_ACTIONS, ADMIN_ACTION_NAMES, type Role } from '../../src/core/admin-permissions.js';

const ROLES: Role[] = ['user', 'helpdesk', 'admin'];
const yes = (b: boolean): string => (b ? 'yes' : '—');

function permissionMatrixTable(): string {
  const rows = ADMIN_ACTION_NAMES.map((name) => {
    const rule = ADMIN_ACTIONS[name];
    const roles: readonly Role[] = rule.roles;
    return `| \`${name}\` | ${ROLES.map((r) => yes(roles.includes(r))).join(' | ')} | ${yes(rule.targeted)} | ${yes(rule.verifiedCaller)} | ${yes(rule.changes)} | ${yes(rule.audited)} | ${yes(rule.approval)} |`;
  });
  return [
    '| Action | user | helpdesk | admin | On one account | Needs a verified caller | Reason, audit event, email to the person | Each use in the audit log | Waits for a second administrator on a privileged account (when on) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

it('the README’s permission matrix is ADMIN_ACTIONS', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /<!-- admin-permissions:start[^>]*-->\n([\s\S]*?)\n<!-- admin-permissions:end -->/.exec(readme);
  assert.ok(m, 'README.md has the admin-permissions markers');
  const expected = permissionMatrixTable();
  assert.equal(m[1], expected, `README.md's table is out of date; it should read:\n${expected}`);
});
