// Changing the sign-in address through the API (the pages are email-address/pages.ts; the flow flows/change-email.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { confirmEmailChange, emailAddressState, requestEmailChange, type EmailAddressState } from '../../flows/change-email.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { emailInput, errors, linkTokenInput } from '../shared/schemas.js';
import { emailChangeCode } from './schemas.js';

const addressView = z
  .object({
    address: z.string().meta({ description: 'The address the account signs in with now.' }),
    changeable: z.boolean().meta({ description: 'False for a directory account: its address is the directory’s.' }),
    pending: z.object({ address: z.string(), expiresAt: z.string() }).nullable().meta({ description: 'A change waiting for its emailed link or code.' }),
  })
  .meta({ id: 'EmailAddress' });

function toView(s: EmailAddressState): z.infer<typeof addressView> {
  return {
    address: s.address,
    changeable: s.changeable,
    pending: s.pending ? { address: s.pending.address, expiresAt: new Date(s.pending.expiresAt).toISOString() } : null,
  };
}

const cookieAuth = [{ sessionCookie: [] }];

export async function emailAddressApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/security/email-address',
    {
      schema: {
        operationId: 'getEmailAddress',
        tags: ['email'],
        summary: 'My sign-in address, and a change waiting to be confirmed',
        security: cookieAuth,
        response: { 200: addressView, ...errors(401) },
      },
    },
    async (request) => toView(await emailAddressState(ctx.deps, await ctx.requireAuth(request))),
  );

  r.post(
    '/api/v1/security/email-address',
    {
      schema: {
        operationId: 'requestEmailChange',
        tags: ['email'],
        summary: 'Change my sign-in address',
        description:
          'Sends a link and an 8-digit code to the new address (valid 30 minutes, once; a newer request replaces it). The answer is the same whether or not the address belongs to another account: then the code is never sent and that address is told only that someone tried. Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate). A directory account: 403 MANAGED_BY_DIRECTORY. The current or recovery address: 400 EMAIL_CHANGE_SAME_ADDRESS. More than 5 requests an hour per account: 429.',
        security: cookieAuth,
        body: z.strictObject({ email: emailInput }),
        response: { 202: addressView, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      return reply.status(202).send(toView(await requestEmailChange(ctx.deps, auth, request.body, requestContext(request))));
    },
  );

  r.post(
    '/api/v1/security/email-address/confirm',
    {
      schema: {
        operationId: 'confirmEmailChange',
        tags: ['email'],
        summary: 'Confirm the new sign-in address with its code or link',
        description:
          '`{code}` from the signed-in account, or `{token}` from the emailed link (signed in or not). In one transaction the address changes, every other session ends (the current one stays; by link while signed out, the one that asked), live reset links end, and the old address (and the recovery address) gets a notice with “This wasn’t me”, which puts the old address back within 7 days. Wrong codes: 400 VERIFICATION_CODE_INVALID, 5 per 15 minutes per account (then 429). A used, expired or replaced link: 400 EMAIL_CHANGE_LINK_INVALID. An address taken meanwhile: 409 EMAIL_CHANGE_UNAVAILABLE.',
        security: [{}, { sessionCookie: [] }],
        body: z.union([z.strictObject({ code: emailChangeCode }), z.strictObject({ token: linkTokenInput })]),
        response: { 200: z.object({ address: z.string() }), ...errors(400, 401, 403, 409, 413, 415, 429) },
      },
    },
    async (request) => {
      const body = request.body;
      const proof = 'code' in body ? { code: body.code, auth: await ctx.requireAuth(request) } : { token: body.token, auth: await ctx.authenticate(request) };
      const { account } = await confirmEmailChange(ctx.deps, proof, requestContext(request));
      return { address: account.email };
    },
  );
}
