// The route table: every route of the server is registered here, and only here.
//
// Routes are grouped by feature (http/<feature>/api.ts and pages.ts), not by transport: the next changes (the
// directory, the help desk, languages) each touch one feature's API and pages together, and a feature's two faces
// share its inputs (<feature>/schemas.ts). Transport differences are not lost: every API route is registered at
// the root (JSON only, in the OpenAPI document), every page inside the one pages scope (shared/pages.ts: form
// parsing, CSRF, page sign-in and step-up from route config). Helpers used by several features are in shared/.
//
// The API order below is the OpenAPI document's order of paths, and the import order the order of its named schemas
// (test/generated/api.d.ts is generated from it).
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './shared/context.js';
import { registerPages } from './shared/pages.js';
import { signInApi } from './sign-in/api.js';
import { signInPages } from './sign-in/pages.js';
import { sessionsApi } from './sessions/api.js';
import { sessionsPages } from './sessions/pages.js';
import { checkupApi } from './checkup/api.js';
import { signUpApi } from './sign-up/api.js';
import { signUpPages } from './sign-up/pages.js';
import { passwordApi } from './password/api.js';
import { passwordPages } from './password/pages.js';
import { twoFactorApi } from './two-factor/api.js';
import { twoFactorPages } from './two-factor/pages.js';
import { passkeysApi } from './passkeys/api.js';
import { passkeysPages } from './passkeys/pages.js';
import { stepUpApi } from './step-up/api.js';
import { stepUpPages } from './step-up/pages.js';
import { challengeApi } from './challenge/api.js';
import { securityQuestionsApi } from './security-questions/api.js';
import { securityQuestionsPages } from './security-questions/pages.js';
import { systemApi } from './system/api.js';
import { systemPages } from './system/pages.js';
import { resetApi } from './reset/api.js';
import { resetPages } from './reset/pages.js';
import { notMeApi } from './not-me/api.js';
import { notMePages } from './not-me/pages.js';
import { devMailboxApi } from './dev-mailbox/api.js';
import { devMailboxPages } from './dev-mailbox/pages.js';
import type { DevMailbox } from './dev-mailbox/mailbox.js';
import { emailSettingsApi } from './email-settings/api.js';
import { emailSettingsPages } from './email-settings/pages.js';
// The help desk and administration (issue 15).
import { adminApi } from './admin/api.js';
import { callerApi } from './admin/caller-api.js';
import { deleteAccountApi } from './admin/delete-api.js';
import { exportAccountsApi } from './admin/export-api.js';
import { adminDataPages } from './admin/data-pages.js';
import { approvalsApi } from './admin/approvals-api.js';
import { adminPages } from './admin/pages.js';
// The sign-in address and "Your data" (issue 16).
import { emailAddressApi } from './email-address/api.js';
import { emailAddressPages } from './email-address/pages.js';
import { accountDataApi } from './account-data/api.js';
import { accountDataPages } from './account-data/pages.js';
// Languages (issue 17).
import { languageApi } from './language/api.js';
import { languagePages } from './language/pages.js';

type Routes = (app: FastifyInstance, ctx: HttpContext) => Promise<void>;

export interface RouteOptions {
  /** The dev mailbox's outbox reader, when mail/setup.ts chose dev-mailbox mode; its routes exist only then. */
  devMailbox?: DevMailbox | undefined;
}

export async function registerRoutes(server: FastifyInstance, ctx: HttpContext, o: RouteOptions = {}): Promise<void> {
  const api: Routes[] = [
    signInApi,
    sessionsApi,
    checkupApi,
    signUpApi,
    passwordApi,
    twoFactorApi,
    passkeysApi,
    stepUpApi,
    challengeApi,
    securityQuestionsApi,
    systemApi,
    emailSettingsApi,
    resetApi,
    notMeApi,
    // The help desk and administration (issue 15).
    adminApi,
    // Help desk: caller verification and the actions that need it (issue 15).
    callerApi,
    // Deleting an account with its export (issue 15).
    deleteAccountApi,
    // Every account in the import format (issue 15).
    exportAccountsApi,
    // The sign-in address and "Your data" (issue 16).
    emailAddressApi,
    accountDataApi,
    // Two-person approval of actions on privileged accounts (issue 15).
    approvalsApi,
    // The person's language (issue 17).
    languageApi,
  ];
  const pages: Routes[] = [
    systemPages,
    signInPages,
    signUpPages,
    sessionsPages,
    passwordPages,
    twoFactorPages,
    passkeysPages,
    stepUpPages,
    securityQuestionsPages,
    emailSettingsPages,
    resetPages,
    notMePages,
    // The help desk console (issue 15).
    adminPages,
    // The console's import, export and deletion pages (issue 15).
    adminDataPages,
    // The sign-in address and "Your data" (issue 16).
    emailAddressPages,
    accountDataPages,
    languagePages,
  ];
  const { devMailbox } = o;
  if (devMailbox) {
    api.push((app) => devMailboxApi(app, devMailbox));
    pages.push((app) => devMailboxPages(app, ctx, devMailbox));
  }
  // Each feature in its own encapsulated context: a hook one feature adds stays its own.
  // biome-ignore-start lint/nursery/noMisusedPromises: register takes async plugins (FastifyPluginAsync); Biome resolves only its callback overload
  for (const routes of api) await server.register(async (app) => routes(app, ctx));
  await server.register(async (scope) => {
    await registerPages(scope, ctx);
    for (const routes of pages) await scope.register(async (app) => routes(app, ctx));
  });
  // biome-ignore-end lint/nursery/noMisusedPromises: see above
}
