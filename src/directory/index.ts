// The directory backend chosen by PASSDESK_DIRECTORY_KIND: OpenLDAP or Active Directory behind one contract.
import type { Directory, DirectorySettings } from './directory.js';
import { createOpenLdapDirectory } from './openldap.js';
import { createActiveDirectory } from './active-directory.js';

export function openDirectory(settings: DirectorySettings, deps: { clock: { now(): number } }): Directory {
  return settings.kind === 'openldap' ? createOpenLdapDirectory(settings, deps) : createActiveDirectory(settings, deps);
}

export type { Directory, DirectorySettings } from './directory.js';
export { DirectoryUnavailableError } from './directory.js';
export { createDurationSample } from './active-directory.js';
