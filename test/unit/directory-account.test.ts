// The pure parts of the directory backend's account logic: roles from groups, the merged policy a directory
// account's new password must meet, and directory refusals turned into the checklist's codes and sentences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergePolicies, refusalError, roleFromGroups } from '../../src/methods/directory-account.js';
import { defaultPasswordPolicy } from '../../src/core/password-policy.js';
import type { DirectoryEntry, DirectoryPolicy } from '../../src/directory/directory.js';

const entry = (groups: string[]): DirectoryEntry => ({
  id: 'id-1',
  dn: 'uid=a,ou=people,dc=x',
  login: 'a',
  mail: 'a@example.org',
  displayName: 'A',
  groups,
  disabled: false,
  locked: false,
  recentFailures: 0,
  passwordChangedAt: null,
  mustChange: false,
});

const adPolicy: DirectoryPolicy = {
  minLength: 12,
  historyLength: 24,
  minAgeMs: 86_400_000,
  maxAgeMs: null,
  complexity: true,
  lockout: { threshold: 5, windowMs: 1_800_000 },
};

describe('roles from directory groups', () => {
  const mapping = [
    { group: 'CN=Helpdesk,OU=Groups,DC=corp', role: 'helpdesk' as const },
    { group: 'CN=IT Admins,OU=Groups,DC=corp', role: 'admin' as const },
  ];
  it('no mapping configured: the role stays Passdesk’s (null)', () => {
    assert.equal(roleFromGroups(entry(['CN=IT Admins,OU=Groups,DC=corp']), []), null);
  });
  it('the highest mapped role wins; DNs compare without case; no mapped group is a user', () => {
    assert.equal(roleFromGroups(entry(['cn=helpdesk,ou=groups,dc=corp', 'CN=IT Admins,OU=Groups,DC=corp']), mapping), 'admin');
    assert.equal(roleFromGroups(entry(['cn=helpdesk,ou=groups,dc=corp']), mapping), 'helpdesk');
    assert.equal(roleFromGroups(entry(['CN=Sales,OU=Groups,DC=corp']), mapping), 'user');
  });
});

describe('the merged policy', () => {
  it('takes the stricter of each rule, AD complexity as three character classes, and leaves history to the directory', () => {
    const merged = mergePolicies({ ...defaultPasswordPolicy, minLength: 8, minLengthWithSecondFactor: 8, historyCount: 5 }, adPolicy);
    assert.equal(merged.minLength, 12);
    assert.equal(merged.minLengthWithSecondFactor, 12);
    assert.equal(merged.minCharacterClasses, 3);
    assert.equal(merged.minAgeMs, 86_400_000);
    assert.equal(merged.historyCount, 0);
  });
  it('never loosens a local rule', () => {
    const merged = mergePolicies(
      { ...defaultPasswordPolicy, minLength: 15, minCharacterClasses: 4 },
      { ...adPolicy, minLength: 7, complexity: false, minAgeMs: 0 },
    );
    assert.equal(merged.minLength, 15);
    assert.equal(merged.minCharacterClasses, 4);
  });
});

describe('directory refusals in plain words', () => {
  const o = { newPassword: 'short', passwordChangedAt: Date.UTC(2026, 11, 7, 9, 0) };
  it('each refusal maps to the local checklist code, first one as the error', () => {
    const err = refusalError(['in-history', 'too-short'], adPolicy, o);
    assert.equal(err.code, 'PASSWORD_REUSED');
    assert.equal(err.status, 400);
    const violations = err.details?.['violations'] as Array<{ code: string; message: string }>;
    assert.deepEqual(
      violations.map((v) => v.code),
      ['PASSWORD_REUSED', 'PASSWORD_TOO_SHORT'],
    );
    assert.match(violations[0]!.message, /24/);
    assert.match(violations[1]!.message, /12/);
  });
  it('too young names when it can be changed; quality names the directory’s rule; the rest is DIRECTORY_REFUSED', () => {
    assert.equal(refusalError(['too-young'], adPolicy, o).code, 'PASSWORD_CHANGED_TOO_RECENTLY');
    assert.match(refusalError(['quality'], adPolicy, o).message, /three of these/);
    assert.equal(refusalError(['current-password-wrong'], adPolicy, o).code, 'CURRENT_PASSWORD_INCORRECT');
    const other = refusalError(['not-allowed'], adPolicy, o);
    assert.equal(other.code, 'DIRECTORY_REFUSED');
    assert.doesNotMatch(other.message, /LDAP|ppolicy|0000052D/);
  });
});
