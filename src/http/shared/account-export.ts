// The person's data as Passdesk exports it (flows/help-desk/delete-account.ts exportAccount): one schema and one
// serializer for both the help desk's deletion (admin/delete-api.ts) and "Download my data" (account-data/api.ts).
// Never a secret, hash, token or code: only names, dates, devices, addresses and events.
import { z } from 'zod';
import type { AccountExport } from '../../flows/help-desk/delete-account.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const accountExportSchema = z
  .object({
    exportedAt: z.string(),
    account: z.object({
      id: z.string(),
      email: z.string(),
      displayName: z.string(),
      role: z.string(),
      status: z.string(),
      createdAt: z.string(),
      passwordChangedAt: z.string().nullable(),
      mustChangePassword: z.boolean(),
      directoryId: z.string().nullable(),
    }),
    mail: z.object({ recoveryEmail: z.string().nullable(), antiPhishingPhraseSet: z.boolean() }),
    secondFactors: z.array(
      z.object({
        type: z.enum(['totp', 'passkey']),
        name: z.string(),
        createdAt: z.string(),
        confirmedAt: z.string().nullable(),
        lastUsedAt: z.string().nullable(),
      }),
    ),
    recoveryCodesLeft: z.number().int(),
    securityQuestions: z.array(z.string()),
    trustedDevices: z.number().int(),
    sessions: z.array(
      z.object({
        device: z.string(),
        ip: z.string().nullable(),
        createdAt: z.string(),
        lastSeenAt: z.string(),
        expiresAt: z.string(),
        endedAt: z.string().nullable(),
      }),
    ),
    events: z.array(
      z.object({
        type: z.string(),
        time: z.string(),
        ip: z.string().nullable(),
        device: z.string().nullable(),
        actorId: z.string().nullable(),
        detail: z.record(z.string(), z.unknown()).nullable(),
      }),
    ),
  })
  .meta({ id: 'AccountExport' });

export function toAccountExportJson(e: AccountExport): z.infer<typeof accountExportSchema> {
  return {
    exportedAt: iso(e.exportedAt),
    account: { ...e.account, createdAt: iso(e.account.createdAt), passwordChangedAt: isoOrNull(e.account.passwordChangedAt) },
    mail: e.mail,
    secondFactors: e.secondFactors.map((f) => ({
      ...f,
      createdAt: iso(f.createdAt),
      confirmedAt: isoOrNull(f.confirmedAt),
      lastUsedAt: isoOrNull(f.lastUsedAt),
    })),
    recoveryCodesLeft: e.recoveryCodesLeft,
    securityQuestions: e.securityQuestions,
    trustedDevices: e.trustedDevices,
    sessions: e.sessions.map((s) => ({
      ...s,
      createdAt: iso(s.createdAt),
      lastSeenAt: iso(s.lastSeenAt),
      expiresAt: iso(s.expiresAt),
      endedAt: isoOrNull(s.endedAt),
    })),
    events: e.events.map(({ createdAt, ...ev }) => ({ ...ev, time: iso(createdAt) })),
  };
}
