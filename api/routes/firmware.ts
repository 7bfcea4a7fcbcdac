// The firmware catalogue: images uploaded once (model, version, sha256, file), served to devices
// by their checksum, and each tenant's target version per model, which zero-touch provisioning
// and upgrades bring devices to. The catalogue is shared by every tenant: an SP admin fills it.
import type { Readable } from 'node:stream';
import { Router } from 'express';
import { z } from 'zod';
import { sha256Pattern, type ImageStore } from '../../inventory/images.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { deviceModelNames } from '../../domain/device-models.ts';
import { forbidden } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { firmwareImageUpload } from '../schemas/firmware.ts';

const firmwareImage = z.object({
  id: z.uuid(),
  model: z.string(),
  version: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  fileName: z.string(),
  createdAt: z.date(),
  downloadUrl: z.string(),
}).openapi('FirmwareImage');

/** Branch router images are hundreds of megabytes; anything past this is not one. */
const maxImageBytes = 4 * 1024 ** 3;

const targetImage = z.object({ tenantId: z.uuid(), model: z.string(), image: firmwareImage }).openapi('TargetImage');

type ImageRow = { id: string; model: string; version: string; sha256: string; sizeBytes: bigint; fileName: string; createdAt: Date };
const toImage = (row: ImageRow): z.infer<typeof firmwareImage> => ({ ...row, sizeBytes: Number(row.sizeBytes), downloadUrl: `/api/v1/images/${row.sha256}` });

export function firmwareRouter(api: ApiDefinition, deps: { prisma: PrismaClient; images: ImageStore }): Router {
  const router = Router();
  const { prisma, images } = deps;

  api.route(router, {
    method: 'get', path: '/firmware-images', summary: 'The firmware catalogue', tags: ['Firmware'],
    access: { type: 'firmware', action: 'read' },
    query: pageQuery.extend({ model: z.string().max(60).optional() }),
    response: pageOf(firmwareImage),
    handler: async ({ query }) => {
      const page = toPage(await prisma.firmwareImage.findMany(pageArgs(query, query.model ? { model: query.model } : {})), query.limit);
      return { items: page.items.map(toImage), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'post', path: '/firmware-images',
    summary: 'Upload an image (the body is the file, application/octet-stream); its sha256 is checked when given',
    tags: ['Firmware'],
    access: { type: 'firmware', action: 'write' },
    query: firmwareImageUpload.extend({
      sha256: z.string().regex(sha256Pattern, 'must be a sha256 in lowercase hex').optional(),
    }),
    status: 201,
    response: firmwareImage,
    handler: async ({ query, principal }, req, res) => {
      if (!principal.isGlobal('firmware', 'write')) throw forbidden('The firmware catalogue is shared by every tenant: only an SP admin adds to it.');
      if (!req.is('application/octet-stream')) throw problems.badRequest('Send the image itself as application/octet-stream.');
      if (Number(req.get('content-length') ?? 0) > maxImageBytes) throw problems.tooLarge(`${maxImageBytes} bytes`);
      if (await prisma.firmwareImage.findUnique({ where: { model_version: { model: query.model, version: query.version } } })) {
        throw problems.conflict(`The catalogue has ${query.model} ${query.version} already.`);
      }
      const stored = await images.add(req as Readable);
      if (stored.sizeBytes === 0) throw problems.badRequest('The body is empty: send the image file.');
      if (query.sha256 && query.sha256 !== stored.sha256) {
        throw problems.validation([{ path: 'sha256', message: `the file's sha256 is ${stored.sha256}: the upload is damaged or not the image meant` }]);
      }
      const created = await prisma.firmwareImage.create({
        data: { model: query.model, version: query.version, sha256: stored.sha256, sizeBytes: stored.sizeBytes, fileName: query.fileName ?? `${query.model}-${query.version}.img` },
      });
      await recordAudit(prisma, principal, req, { action: 'firmware.create', objectType: 'firmware', objectId: created.id, after: toImage(created) });
      res.location(`/api/v1/firmware-images/${created.id}`);
      return toImage(created);
    },
  });

  const tenantParams = z.object({ tenantId: z.uuid() });

  api.route(router, {
    method: 'get', path: '/tenants/:tenantId/target-images', summary: "A tenant's target software per model", tags: ['Firmware'],
    access: { type: 'firmware', action: 'read' }, params: tenantParams,
    response: z.object({ items: z.array(targetImage) }),
    handler: async ({ params, principal }) => {
      principal.assert(params.tenantId, 'firmware', 'read', `Tenant ${params.tenantId}`);
      const rows = await prisma.tenantTargetImage.findMany({ where: { tenantId: params.tenantId }, include: { image: true }, orderBy: { model: 'asc' } });
      return { items: rows.map((row) => ({ tenantId: row.tenantId, model: row.model, image: toImage(row.image) })) };
    },
  });

  api.route(router, {
    method: 'put', path: '/tenants/:tenantId/target-images/:model', summary: "Set a tenant's target software for a model", tags: ['Firmware'],
    access: { type: 'firmware', action: 'write' },
    params: tenantParams.extend({ model: z.enum(deviceModelNames as [string, ...string[]]) }),
    body: z.object({ imageId: z.uuid() }),
    response: targetImage,
    handler: async ({ params, body, principal }, req) => {
      principal.assert(params.tenantId, 'firmware', 'write', `Tenant ${params.tenantId}`);
      const image = await prisma.firmwareImage.findUnique({ where: { id: body.imageId } });
      if (!image) throw problems.validation([{ path: 'imageId', message: 'no such image in the catalogue' }]);
      if (image.model !== params.model) throw problems.validation([{ path: 'imageId', message: `that image is for ${image.model}, not ${params.model}` }]);
      const key = { tenantId_model: { tenantId: params.tenantId, model: params.model } };
      const before = await prisma.tenantTargetImage.findUnique({ where: key, include: { image: true } });
      await prisma.tenantTargetImage.upsert({ where: key, create: { tenantId: params.tenantId, model: params.model, imageId: image.id }, update: { imageId: image.id } });
      await recordAudit(prisma, principal, req, {
        action: 'firmware.target', objectType: 'firmware', objectId: params.model, tenantId: params.tenantId,
        before: before ? { version: before.image.version } : null, after: { version: image.version },
      });
      return { tenantId: params.tenantId, model: params.model, image: toImage(image) };
    },
  });

  return router;
}
