// Pages that belong to no feature: the API's documentation page and the static assets every page loads.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { apiDocsPage } from '../../web/views/pages.js';
import { assetByFile, IMMUTABLE_CACHE_CONTROL, loadAssets } from '../../web/assets/index.js';
import type { HttpContext } from '../shared/context.js';

const assetParams = z.object({ file: z.string().max(100) });

export async function systemPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  // Content-hashed names only (web/assets/index.ts): any other name under /assets/ is a 404.
  loadAssets();
  pages.get('/assets/:file', async (request, reply) => {
    const parsed = assetParams.safeParse(request.params);
    const asset = parsed.success ? assetByFile(parsed.data.file) : undefined;
    // A 404 like any unknown URL (callNotFound would answer 405: the pattern exists for HEAD).
    if (!asset) throw new PassdeskError('NOT_FOUND');
    return reply.type(asset.contentType).header('Cache-Control', IMMUTABLE_CACHE_CONTROL).send(asset.body);
  });

  pages.get('/api/docs', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(apiDocsPage(ctx, pages.swagger() as Parameters<typeof apiDocsPage>[1]).value),
  );
}
