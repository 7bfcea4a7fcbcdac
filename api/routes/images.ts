import { Router } from 'express';
import { z } from 'zod';
import { sha256Pattern, type ImageStore } from '../../inventory/images.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';

/** Firmware downloads for devices: the URL names the image by its sha256. */
export function imagesRouter(api: ApiDefinition, deps: { images: ImageStore }): Router {
  const router = Router();
  const params = z.object({ sha256: z.string().regex(sha256Pattern, 'must be a sha256 in lowercase hex') });
  api.registry.registerPath({
    method: 'get',
    path: '/api/v1/images/{sha256}',
    summary: 'Download a firmware image',
    tags: ['Firmware'],
    request: { params },
    responses: { 200: { description: 'The image', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } },
  });
  router.get('/images/:sha256', (req, res, next) => {
    const { sha256 } = params.parse(req.params);
    const image = deps.images.file(sha256);
    if (!image) return next(problems.notFound(`Image ${sha256}`));
    res.setHeader('ETag', `"${sha256}"`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    // The store's path may pass through a dot-folder (`.data/`, the default data directory), which
    // sendFile refuses unless told otherwise; the file itself is named by a checked sha256.
    res.type('application/octet-stream').sendFile(image.path, { dotfiles: 'allow', etag: false, lastModified: false }, (error) => error && next(error));
  });
  return router;
}
