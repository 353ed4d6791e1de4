// Passkey API (WebAuthn): register, list, rename and remove passkeys; the options (challenges) for proving one
// as a second factor, in a reset, or for a passwordless sign-in; and that sign-in itself.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  finishPasskeyRegistration,
  listPasskeys,
  PASSKEY_NAME_MAX,
  removePasskey,
  renamePasskey,
  signInWithPasskey,
  startPasskeyRegistration,
  startPasswordlessSignIn,
  type PasskeyView,
} from '../../flows/passkeys.js';
import { startSecondFactorPasskey } from '../../flows/two-factor.js';
import { startResetPasskey } from '../../flows/reset-password.js';
import { startStepUpPasskey } from '../../flows/step-up.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { accountView, errors, freeText, passwordInput, sessionView, toAccountView, currentSessionView, fieldMessage } from '../shared/schemas.js';
import { asAssertion, attachment, b64url, credentialId, extensionResults, passkeyAssertionInput } from '../shared/passkey-input.js';

const cookieAuth = [{ sessionCookie: [] }];
const iso = (ms: number): string => new Date(ms).toISOString();

/** What startRegistration() returns (WebAuthn RegistrationResponseJSON). */
const passkeyAttestationInput = z
  .strictObject({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: b64url(4096).min(1),
      attestationObject: b64url(12_000).min(1),
      authenticatorData: b64url(8192).optional(),
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: b64url(8192).optional(),
    }),
    authenticatorAttachment: attachment,
    clientExtensionResults: extensionResults,
  })
  .meta({ id: 'PasskeyAttestation', description: 'The browser’s answer to the registration options (RegistrationResponseJSON, as from startRegistration()).' });

const asAttestation = (r: z.infer<typeof passkeyAttestationInput>): RegistrationResponseJSON =>
  ({ ...r, clientExtensionResults: r.clientExtensionResults ?? {} }) as RegistrationResponseJSON;

// The options go to navigator.credentials as they are (the browser library decodes them); only the challenge
// is named here, the rest passes through unchanged.
const creationOptions = z
  .looseObject({ challenge: z.string() })
  .meta({ id: 'PasskeyCreationOptions', description: 'PublicKeyCredentialCreationOptionsJSON for startRegistration({optionsJSON}).' });
const requestOptions = z
  .looseObject({ challenge: z.string() })
  .meta({ id: 'PasskeyRequestOptions', description: 'PublicKeyCredentialRequestOptionsJSON for startAuthentication({optionsJSON}).' });

type OptionsJSON = { challenge: string } & Record<string, unknown>;
const asJson = async (options: Promise<{ challenge: string }>): Promise<OptionsJSON> => ({ ...(await options) });

const passkeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    backedUp: z.boolean().meta({ description: 'A synced passkey, backed up by its provider.' }),
    deviceType: z.enum(['singleDevice', 'multiDevice']),
    transports: z.array(z.string()),
  })
  .meta({ id: 'Passkey' });
const toView = (p: PasskeyView): z.infer<typeof passkeyView> => ({
  ...p,
  createdAt: iso(p.createdAt),
  lastUsedAt: p.lastUsedAt === null ? null : iso(p.lastUsedAt),
});

/** Length is the flow's to judge (PASSKEY_NAME_INVALID); characters are refused here like every free text. */
const nameInput = freeText('passkeyName', { max: PASSKEY_NAME_MAX * 4 });
const flowIdInput = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, fieldMessage('error.field.flowId'));

export async function passkeysApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  await myPasskeysApi(app, ctx);
  await passkeyCeremonyApi(app, ctx);
}

/** My passkeys: list, add (options, then the browser's answer), rename, remove. */
async function myPasskeysApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/passkeys',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'listPasskeys',
        tags: ['passkeys'],
        summary: 'My passkeys',
        security: cookieAuth,
        response: { 200: z.object({ passkeys: z.array(passkeyView) }), ...errors(401) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      return { passkeys: (await listPasskeys(ctx.deps, auth)).map(toView) };
    },
  );

  r.post(
    '/api/v1/passkeys/registration/options',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'getPasskeyRegistrationOptions',
        tags: ['passkeys'],
        summary: 'Start adding a passkey',
        description:
          'Options for navigator.credentials.create(): a single-use challenge bound to this session (5 minutes), the account’s passkeys excluded, a discoverable credential preferred.',
        security: cookieAuth,
        body: z.strictObject({}).nullish(),
        response: { 200: creationOptions, ...errors(401, 403) },
      },
    },
    async (request) => asJson(startPasskeyRegistration(ctx.deps, await ctx.requireAuth(request))),
  );

  r.post(
    '/api/v1/passkeys/registration',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'registerPasskey',
        tags: ['passkeys'],
        summary: 'Add the passkey',
        description:
          'Verifies the browser’s answer (challenge, origin, RP ID, signature) and stores the passkey, named `name` or after the authenticator and device. ' +
          'For the first second factor of the account the answer carries 10 recovery codes, shown this once. An email tells the person. The session counts as authenticated with the new passkey, and its token is rotated (a new cookie is set).',
        security: cookieAuth,
        body: z.strictObject({ response: passkeyAttestationInput, name: nameInput.optional() }),
        response: { 201: z.object({ passkey: passkeyView, recoveryCodes: z.array(z.string()).nullable() }), ...errors(400, 401, 403, 409, 413) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const { passkey, recoveryCodes, token } = await finishPasskeyRegistration(
        ctx.deps,
        auth,
        { response: asAttestation(request.body.response), name: request.body.name },
        requestContext(request),
      );
      // The session now counts as authenticated with the passkey (stronger): its token was rotated.
      setSessionCookie(reply, ctx.cookies, token);
      return reply.status(201).send({ passkey: toView(passkey), recoveryCodes });
    },
  );

  r.patch(
    '/api/v1/passkeys/:id',
    {
      schema: {
        operationId: 'renamePasskey',
        tags: ['passkeys'],
        summary: 'Rename a passkey',
        security: cookieAuth,
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        body: z.strictObject({ name: nameInput }),
        response: { 200: z.object({ passkey: passkeyView }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      return { passkey: toView(await renamePasskey(ctx.deps, auth, request.params.id, request.body, requestContext(request))) };
    },
  );

  r.delete(
    '/api/v1/passkeys/:id',
    {
      schema: {
        operationId: 'removePasskey',
        tags: ['passkeys'],
        summary: 'Remove a passkey',
        description:
          'Needs the current password or a current authenticator code. Removing the last second factor also voids the recovery codes. An email tells the person.',
        security: cookieAuth,
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        body: z.strictObject({ currentPassword: passwordInput.optional(), code: z.string().trim().min(1).max(32).optional() }),
        response: {
          200: z.object({ remaining: z.number().int().meta({ description: 'Second factors (apps and passkeys) left.' }) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      if (request.body.currentPassword) assertPasswordWithinLimit(request.body.currentPassword);
      return removePasskey(ctx.deps, auth, request.params.id, request.body, requestContext(request));
    },
  );
}

/** Proving a passkey: the options for a second factor, a reset or a step-up, and the passwordless sign-in. */
async function passkeyCeremonyApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/passkeys/second-factor/options',
    {
      schema: {
        operationId: 'getPasskeySecondFactorOptions',
        security: [],
        tags: ['passkeys'],
        summary: 'Passkey options for the second step of sign-in',
        description:
          'For a sign-in that answered second_factor_required with "passkey" among its methods: options whose challenge is bound to that pending sign-in. ' +
          'Answer with POST /api/v1/sessions/second-factor `{flowId, method: "passkey", response}`.',
        body: z.strictObject({ flowId: flowIdInput }),
        response: { 200: requestOptions, ...errors(400, 404) },
      },
    },
    async (request) => asJson(startSecondFactorPasskey(ctx.deps, request.body)),
  );

  r.post(
    '/api/v1/passkeys/reset/options',
    {
      schema: {
        operationId: 'getPasskeyResetOptions',
        security: [],
        tags: ['passkeys'],
        summary: 'Passkey options for a password reset',
        description:
          'For a verified reset whose `requires` holds `second_factor` and whose methods include "passkey": options bound to that reset. ' +
          'Answer with POST /api/v1/password/reset/second-factor `{flowId, method: "passkey", response}`.',
        body: z.strictObject({ flowId: flowIdInput }),
        response: { 200: requestOptions, ...errors(400, 404) },
      },
    },
    async (request) => asJson(startResetPasskey(ctx.deps, request.body)),
  );

  r.post(
    '/api/v1/passkeys/step-up/options',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'getPasskeyStepUpOptions',
        tags: ['passkeys'],
        summary: 'Passkey options to confirm it’s me (step-up)',
        description: 'Options whose challenge is bound to this session, for POST /api/v1/session/reauthenticate `{method: "passkey", response}`.',
        security: cookieAuth,
        body: z.strictObject({}).nullish(),
        response: { 200: requestOptions, ...errors(401, 403, 404) },
      },
    },
    async (request) => asJson(startStepUpPasskey(ctx.deps, await ctx.requireAuth(request))),
  );

  r.post(
    '/api/v1/passkeys/sign-in/options',
    {
      schema: {
        operationId: 'getPasskeySignInOptions',
        security: [],
        tags: ['passkeys'],
        summary: 'Start a passwordless sign-in',
        description:
          'Options without an account: the person picks one of their passkeys (discoverable credentials). User verification is required. An IP over its sign-in failure limit gets 429.',
        body: z.strictObject({}).nullish(),
        response: { 200: requestOptions, ...errors(400, 429) },
      },
    },
    async (request) => asJson(startPasswordlessSignIn(ctx.deps, requestContext(request))),
  );

  r.post(
    '/api/v1/passkeys/sign-in',
    {
      schema: {
        operationId: 'signInWithPasskey',
        security: [{}, { sessionCookie: [] }],
        tags: ['passkeys', 'sessions'],
        summary: 'Sign in with a passkey',
        description:
          'The browser’s answer to the passwordless options. The passkey names the account; sets the session cookie. ' +
          'Any failure (unknown passkey, disabled account, bad signature, used challenge) answers 401 PASSKEY_SIGN_IN_FAILED.',
        body: z.strictObject({ response: passkeyAssertionInput }),
        response: { 201: z.object({ account: accountView, session: sessionView }), ...errors(400, 401, 413, 429) },
      },
    },
    async (request, reply) => {
      const replacing = await ctx.authenticate(request);
      const result = await signInWithPasskey(ctx.deps, { response: asAssertion(request.body.response) }, requestContext(request), { replacing });
      setSessionCookie(reply, ctx.cookies, result.token);
      return reply.status(201).send({ account: toAccountView(result.account), session: currentSessionView(result.session) });
    },
  );
}
