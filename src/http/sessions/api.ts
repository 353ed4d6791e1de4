// The signed-in person's sessions through the API: who am I, sign out, my devices, sign out one or all others.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listDevices, revokeDevice, revokeOtherDevices, signOut } from '../../flows/sessions.js';
import { clearSessionCookie, requestContext, type HttpContext } from '../shared/context.js';
import { compiledSerializerCompiler } from '../shared/json-serializer.js';
import { accountView, errors, sessionView, currentSessionView, toAccountView, toSessionView } from '../shared/schemas.js';

const cookieAuth = [{ sessionCookie: [] }];

export async function sessionsApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/session',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'getSession',
        tags: ['sessions'],
        summary: 'Who am I',
        description: 'The signed-in account and the current session.',
        security: cookieAuth,
        response: { 200: z.object({ account: accountView, session: sessionView }), ...errors(401) },
      },
      // The hottest route: its 200 is written by a serializer compiled from the schema (shared/json-serializer.ts).
      serializerCompiler: compiledSerializerCompiler,
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      return { account: toAccountView(auth.account), session: currentSessionView(auth.session) };
    },
  );

  r.delete(
    '/api/v1/session',
    {
      config: { beforeTwoFactor: true },
      schema: {
        operationId: 'signOut',
        tags: ['sessions'],
        summary: 'Sign out',
        description: 'Ends the current session on the server and clears the cookie.',
        security: cookieAuth,
        response: { 204: z.null(), ...errors(403) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.authenticate(request);
      if (auth) await signOut(ctx.deps, auth, requestContext(request));
      clearSessionCookie(reply, ctx.cookies);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/sessions',
    {
      schema: {
        operationId: 'listSessions',
        tags: ['sessions'],
        summary: 'My devices',
        description: 'Every live session of the signed-in account, newest activity first; the current one is marked.',
        security: cookieAuth,
        response: { 200: z.object({ sessions: z.array(sessionView) }), ...errors(401) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      const devices = await listDevices(ctx.deps, auth);
      return { sessions: devices.map(toSessionView) };
    },
  );

  r.delete(
    '/api/v1/sessions/:id',
    {
      schema: {
        operationId: 'revokeSession',
        tags: ['sessions'],
        summary: 'Sign out one device',
        description: 'Ends one of my sessions. Ending the current one signs me out.',
        security: cookieAuth,
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 204: z.null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const { current } = await revokeDevice(ctx.deps, auth, request.params.id, requestContext(request));
      if (current) clearSessionCookie(reply, ctx.cookies);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/sessions/revoke-others',
    {
      schema: {
        operationId: 'revokeOtherSessions',
        tags: ['sessions'],
        summary: 'Sign out all other devices',
        description:
          'Needs a recent authentication with the account’s strongest method: otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate).',
        security: cookieAuth,
        body: z.strictObject({}).nullish(),
        response: { 200: z.object({ revoked: z.number().int() }), ...errors(401, 403) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      return revokeOtherDevices(ctx.deps, auth, requestContext(request));
    },
  );
}
