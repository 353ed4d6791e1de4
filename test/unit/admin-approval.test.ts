// Two-person approval's rules (core/admin-permissions.ts), written out as tables: which actions wait, on whom, and
// who may decide a request. A change to the rules has to change this test too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_ACTION_NAMES,
  ADMIN_ACTIONS,
  APPROVABLE_ACTIONS,
  approvalRefusal,
  mayApprove,
  needsApproval,
  type ApprovalPolicy,
  type Role,
} from '../../src/core/admin-permissions.js';

const ROLES: Role[] = ['user', 'helpdesk', 'admin'];
const ON: ApprovalPolicy = { enabled: true, privilegedRoles: ['helpdesk', 'admin'] };

describe('which actions wait for a second administrator', () => {
  it('every change of credentials, role, status or factors; never reading, caller checks, signing out, import or the approval actions', () => {
    assert.deepEqual(
      [...APPROVABLE_ACTIONS].sort(),
      [
        'account.delete',
        'account.disable',
        'account.enable',
        'account.unlock',
        'factor.remove',
        'password.require_change',
        'password.temporary',
        'reset.send',
        'role.set',
      ].sort(),
    );
    for (const action of ADMIN_ACTION_NAMES) {
      if (!ADMIN_ACTIONS[action].changes) assert.equal(ADMIN_ACTIONS[action].approval, false, `${action} only reads`);
    }
    assert.equal(ADMIN_ACTIONS['sessions.revoke'].approval, false, 'signing out everywhere is containment: it never waits');
  });

  for (const action of ADMIN_ACTION_NAMES) {
    it(`${action}: off → never; on → exactly when approvable and the target is privileged`, () => {
      for (const role of ROLES) {
        assert.equal(needsApproval({ enabled: false, privilegedRoles: ROLES }, action, { role }), false, 'off');
        assert.equal(needsApproval(undefined, action, { role }), false, 'not configured');
        assert.equal(needsApproval(ON, action, { role }), ADMIN_ACTIONS[action].approval && role !== 'user', `on, target ${role}`);
      }
    });
  }

  it('giving a privileged role waits even when the person is not privileged yet; taking one away waits because they are', () => {
    assert.equal(needsApproval(ON, 'role.set', { role: 'user' }, { newRole: 'admin' }), true);
    assert.equal(needsApproval(ON, 'role.set', { role: 'user' }, { newRole: 'helpdesk' }), true);
    assert.equal(needsApproval(ON, 'role.set', { role: 'admin' }, { newRole: 'user' }), true);
    assert.equal(needsApproval({ enabled: true, privilegedRoles: ['admin'] }, 'role.set', { role: 'user' }, { newRole: 'helpdesk' }), false);
  });

  it('the recovery path (a last factor on a weak caller proof) waits whatever the role, and only when approval is on', () => {
    assert.equal(needsApproval(ON, 'factor.remove', { role: 'user' }, { recovery: true }), true);
    assert.equal(needsApproval({ enabled: false, privilegedRoles: ROLES }, 'factor.remove', { role: 'admin' }, { recovery: true }), false);
  });

  it('the configured roles decide who is privileged', () => {
    const all: ApprovalPolicy = { enabled: true, privilegedRoles: ROLES };
    assert.equal(needsApproval(all, 'account.unlock', { role: 'user' }), true);
    const adminsOnly: ApprovalPolicy = { enabled: true, privilegedRoles: ['admin'] };
    assert.equal(needsApproval(adminsOnly, 'account.unlock', { role: 'helpdesk' }), false);
    assert.equal(needsApproval(adminsOnly, 'account.unlock', { role: 'admin' }), true);
  });
});

describe('who may decide a request', () => {
  const request = { requestedBy: 'asker', action: 'account.disable' as const };
  const target = { id: 'target', role: 'admin' as Role };

  it('an administrator other than the requester and the person: approve and reject alike', () => {
    for (const decision of ['approval.approve', 'approval.reject'] as const) {
      assert.equal(approvalRefusal({ id: 'second', role: 'admin' }, decision, request, target), null);
      assert.equal(approvalRefusal({ id: 'asker', role: 'admin' }, decision, request, target), 'requester', 'never the one who asked');
      assert.equal(approvalRefusal({ id: 'target', role: 'admin' }, decision, request, target), 'self', 'never the person it is about');
      assert.equal(approvalRefusal({ id: 'agent', role: 'helpdesk' }, decision, request, target), 'role', 'never a help desk agent');
      assert.equal(approvalRefusal({ id: 'someone', role: 'user' }, decision, request, target), 'role');
    }
  });

  it('the decider must be allowed the action themselves on the account as it is', () => {
    // A help desk agent's request about a user (with "user" privileged): an administrator can decide it.
    assert.equal(
      approvalRefusal({ id: 'second', role: 'admin' }, 'approval.approve', { requestedBy: 'agent', action: 'account.unlock' }, { id: 't', role: 'user' }),
      null,
    );
  });

  it('approvers emailed: active administrators only', () => {
    assert.equal(mayApprove({ role: 'admin', status: 'active' }), true);
    assert.equal(mayApprove({ role: 'admin', status: 'disabled' }), false);
    assert.equal(mayApprove({ role: 'helpdesk', status: 'active' }), false);
    assert.equal(mayApprove({ role: 'user', status: 'active' }), false);
  });
});
