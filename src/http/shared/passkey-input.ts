// A passkey's answer (WebAuthn AuthenticationResponseJSON) as the API accepts it: in passkey sign-in, a second
// factor, a reset and a step-up alike.
import { fieldMessage } from './schemas.js';
import { z } from 'zod';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

export const b64url = (max: number): z.ZodString =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, fieldMessage('error.field.base64url'));
export const credentialId = b64url(1366).min(1);
export const extensionResults = z.record(z.string(), z.unknown()).optional();
export const attachment = z.enum(['platform', 'cross-platform']).optional();

/** What `@simplewebauthn/browser`'s startAuthentication() returns (WebAuthn AuthenticationResponseJSON). */
export const passkeyAssertionInput = z
  .strictObject({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: b64url(4096).min(1),
      authenticatorData: b64url(4096).min(1),
      signature: b64url(8192).min(1),
      userHandle: b64url(256).optional(),
    }),
    authenticatorAttachment: attachment,
    clientExtensionResults: extensionResults,
  })
  .meta({
    id: 'PasskeyAssertion',
    description: 'The browser’s answer to the options (AuthenticationResponseJSON, as from @simplewebauthn/browser startAuthentication()).',
  });

export const asAssertion = (r: z.infer<typeof passkeyAssertionInput>): AuthenticationResponseJSON =>
  ({ ...r, clientExtensionResults: r.clientExtensionResults ?? {} }) as AuthenticationResponseJSON;
