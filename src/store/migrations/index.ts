// Migrations are code, one file each (NNNN-name.ts), ordered by name, and run at start and by `passdesk migrate`.
// The names below are what databases record in passdesk_migrations: never rename, reorder or remove one
// (test/store/migrations.test.ts holds them). A new migration gets the next number and goes last.
import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from './dialect.js';
import { initial } from './0001-initial.js';
import { passwordPolicy } from './0002-password-policy.js';
import { mailOutbox } from './0003-mail-outbox.js';
import { mailPreferences } from './0004-mail-preferences.js';
import { passwordReset } from './0005-password-reset.js';
import { twoFactor } from './0006-two-factor.js';
import { resetMethods } from './0010-reset-methods.js';
import { passkeys } from './0011-passkeys.js';
import { stepUp } from './0012-step-up.js';
import { notMe } from './0013-not-me.js';
import { attemptCounters } from './0014-attempt-counters.js';
import { resetHardening } from './0015-reset-hardening.js';
import { signInLimits } from './0016-sign-in-limits.js';
import { outboxSealed } from './0017-outbox-sealed.js';
import { challenges } from './0018-challenges.js';
import { writeProbe } from './0019-write-probe.js';
import { instance } from './0020-instance.js';
import { deviceTrust } from './0021-device-trust.js';
import { outboxLeases } from './0022-outbox-leases.js';
import { jobLeases } from './0023-job-leases.js';
import { directoryAccounts } from './0024-directory-accounts.js';
import { auditActor } from './0025-audit-actor.js';
import { helpDeskCallers } from './0026-help-desk-callers.js';
import { signUpConfirmation } from './0030-sign-up-confirmation.js';
import { eventDeliveries } from './0028-event-deliveries.js';
import { emailChangeAndDeletion } from './0031-email-change-and-deletion.js';
import { sessionOriginsIndex } from './0034-session-origins-index.js';
import { accountLanguage } from './0035-account-language.js';
import { adminApprovals } from './0027-admin-approvals.js';

export type { Dialect } from './dialect.js';

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_password_policy': passwordPolicy(dialect),
    '0003_mail_outbox': mailOutbox(dialect),
    '0004_mail_preferences': mailPreferences(dialect),
    '0005_password_reset': passwordReset(dialect),
    '0006_two_factor': twoFactor(dialect),
    '0010_reset_methods': resetMethods(dialect),
    '0011_passkeys': passkeys(dialect),
    '0012_step_up': stepUp(dialect),
    '0013_not_me': notMe(dialect),
    '0014_attempt_counters': attemptCounters(dialect),
    '0015_reset_hardening': resetHardening(dialect),
    '0016_sign_in_limits': signInLimits(dialect),
    '0017_outbox_sealed': outboxSealed(dialect),
    '0018_challenges': challenges(dialect),
    '0019_write_probe': writeProbe(dialect),
    '0020_instance': instance(dialect),
    '0021_device_trust': deviceTrust(dialect),
    '0022_outbox_leases': outboxLeases(),
    '0023_job_leases': jobLeases(dialect),
    '0024_directory_accounts': directoryAccounts(),
    '0025_audit_actor': auditActor(),
    '0026_help_desk_callers': helpDeskCallers(dialect),
    '0027_admin_approvals': adminApprovals(dialect),
    '0028_event_deliveries': eventDeliveries(dialect),
    '0030_sign_up_confirmation': signUpConfirmation(dialect),
    '0031_email_change_and_deletion': emailChangeAndDeletion(dialect),
    '0034_session_origins_index': sessionOriginsIndex(),
    '0035_account_language': accountLanguage(),
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}
