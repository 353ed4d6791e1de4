// Pages that belong to no feature: the API's documentation page and the static assets every page loads.
import { pageView } from '../shared/page-view.js';
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
    const file = parsed.success ? parsed.data.file : undefined;
    const asset = file === undefined ? undefined : (assetByFile(file) ?? ctx.config.look.assets.get(file));
    // A 404 like any unknown URL (callNotFound would answer 405: the pattern exists for HEAD).
    if (!asset) throw new PassdeskError('NOT_FOUND');
    reply.type(asset.contentType).header('Cache-Control', IMMUTABLE_CACHE_CONTROL);
    // The organisation's files (src/look.ts): an SVG logo never runs anything even when opened on its own, and the
    // logo may be shown by webmail inside another site's page (Cross-Origin-Resource-Policy).
    if ('csp' in asset && asset.csp) reply.header('Content-Security-Policy', asset.csp);
    if (asset.contentType.startsWith('image/')) reply.header('Cross-Origin-Resource-Policy', 'cross-origin');
    return reply.send(asset.body);
  });

  pages.get('/api/docs', { schema: { hide: true } }, async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(apiDocsPage(pageView(ctx, request), pages.swagger() as Parameters<typeof apiDocsPage>[1]).value),
  );
}
