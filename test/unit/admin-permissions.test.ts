// The permission matrix of the help desk console, walked whole: every action × every actor role × every target
// role, plus acting on oneself. The expected table is written out here on purpose, so a change to the rules in
// core/admin-permissions.ts has to change this test too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_ACTION_NAMES, ADMIN_ACTIONS, mayGrantRole, refusalFor, type Role } from '../../src/core/admin-permissions.js';

const ROLES: Role[] = ['user', 'helpdesk', 'admin'];
const HELPDESK_ONLY_ON_USERS = [
  'account.view',
  'caller.verify',
  'reset.send',
  'password.require_change',
  'password.temporary',
  'account.unlock',
  'account.disable',
  'account.enable',
  'sessions.revoke',
  'factor.remove',
  'approval.cancel',
];
const ADMIN_ONLY = ['role.set', 'account.delete', 'audit.read', 'accounts.import', 'account.export', 'accounts.export', 'approval.approve', 'approval.reject'];

describe('the help desk permission matrix', () => {
  it('names every action once, and every targeted change needs a reason (changes) ', () => {
    assert.deepEqual([...ADMIN_ACTION_NAMES].sort(), [...HELPDESK_ONLY_ON_USERS, ...ADMIN_ONLY, 'accounts.search', 'approvals.list'].sort());
    assert.equal(ADMIN_ACTIONS['password.temporary'].verifiedCaller, true);
    assert.equal(ADMIN_ACTIONS['factor.remove'].verifiedCaller, true);
  });

  it('every change is audited, and so are the reads a reviewer must trace: the audit log and exports of account data', () => {
    for (const action of ADMIN_ACTION_NAMES) {
      const rule = ADMIN_ACTIONS[action];
      if (rule.changes) assert.equal(rule.audited, true, action);
    }
    const audited = ADMIN_ACTION_NAMES.filter((a) => ADMIN_ACTIONS[a].audited && !ADMIN_ACTIONS[a].changes).sort();
    assert.deepEqual(audited, ['account.export', 'accounts.export', 'audit.read', 'caller.verify']);
  });

  for (const action of ADMIN_ACTION_NAMES) {
    it(`${action}: every actor role × target role`, () => {
      const rule = ADMIN_ACTIONS[action];
      for (const actorRole of ROLES) {
        const actor = { id: 'actor', role: actorRole };
        const allowedRole = rule.roles.includes(actorRole as never);
        assert.equal(refusalFor(actor, action) === 'role', !allowedRole, `${actorRole} may ${allowedRole ? '' : 'not '}${action}`);
        if (!rule.targeted) continue;
        assert.equal(refusalFor(actor, action, { id: 'actor', role: actorRole }), allowedRole ? 'self' : 'role', `${actorRole} on self`);
        for (const targetRole of ROLES) {
          const got = refusalFor(actor, action, { id: 'other', role: targetRole });
          let expected: string | null;
          if (!allowedRole) expected = 'role';
          else if (actorRole === 'helpdesk') expected = targetRole === 'user' ? null : 'target-role';
          else expected = null; // an administrator reaches users, agents and other administrators
          assert.equal(got, expected, `${actorRole} → ${targetRole}`);
        }
      }
    });
  }

  it('only administrators give roles', () => {
    for (const role of ROLES) {
      assert.equal(mayGrantRole({ role: 'admin' }, role), true);
      assert.equal(mayGrantRole({ role: 'helpdesk' }, role), false);
      assert.equal(mayGrantRole({ role: 'user' }, role), false);
    }
  });
});
