// The VNF catalogue: images uploaded once and kept by their sha256 (as firmware is, and served to
// uCPEs from the same place), and packages declaring what an instance of them needs and how it is
// configured and watched. Shared by every tenant, like the firmware catalogue: an SP admin fills it.
import type { Readable } from 'node:stream';
import { Router } from 'express';
import { z } from 'zod';
import type { ImageStore } from '../../inventory/images.ts';
import { Prisma, type PrismaClient } from '../../prisma/client.ts';
import { vnfPackageInput, vnfPackageProblems, type VnfPackageInput } from '../../domain/vnf-catalogue.ts';
import { forbidden } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';

const tags = ['VNF catalogue'];
/** A VNF image (qcow2) is a few gigabytes; anything past this is not one. */
const maxImageBytes = 16 * 1024 ** 3;

const vnfImage = z.object({ sha256: z.string(), sizeBytes: z.number().int(), downloadUrl: z.string() }).openapi('VnfImage');
const vnfPackage = z.object({
  id: z.uuid(),
  vendor: z.string(),
  product: z.string(),
  version: z.string(),
  type: z.string(),
  descriptor: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
}).openapi('VnfPackage');

type PackageRow = { id: string; vendor: string; name: string; version: string; type: string; descriptor: unknown; createdAt: Date };
const toPackage = (row: PackageRow): z.infer<typeof vnfPackage> => ({
  id: row.id, vendor: row.vendor, product: row.name, version: row.version, type: row.type, descriptor: row.descriptor as Record<string, unknown>, createdAt: row.createdAt,
});

/** What a package row keeps of its input: product and version are its name, the rest its descriptor. */
const descriptorOf = ({ vendor: _vendor, product: _product, version: _version, type: _type, ...descriptor }: VnfPackageInput) => descriptor;

export function vnfCatalogueRouter(api: ApiDefinition, deps: { prisma: PrismaClient; images: ImageStore }): Router {
  const router = Router();
  const { prisma, images } = deps;
  const packageParams = z.object({ vnfPackageId: z.uuid() });

  api.route(router, {
    method: 'post', path: '/vnf-images', summary: 'Upload a VNF image (the body is the file, application/octet-stream); its sha256 is checked when given', tags,
    access: { type: 'firmware', action: 'write' },
    query: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lowercase hex').optional() }),
    status: 201, response: vnfImage,
    handler: async ({ query, principal }, req, res) => {
      if (!principal.isGlobal('firmware', 'write')) throw forbidden('The VNF catalogue is shared by every tenant: only an SP admin adds to it.');
      if (!req.is('application/octet-stream')) throw problems.badRequest('Send the image itself as application/octet-stream.');
      if (Number(req.get('content-length') ?? 0) > maxImageBytes) throw problems.tooLarge(`${maxImageBytes} bytes`);
      const stored = await images.add(req as Readable);
      if (stored.sizeBytes === 0) throw problems.badRequest('The body is empty: send the image file.');
      if (query.sha256 && query.sha256 !== stored.sha256) {
        throw problems.validation([{ path: 'sha256', message: `the file's sha256 is ${stored.sha256}: the upload is damaged or not the image meant` }]);
      }
      await recordAudit(prisma, principal, req, { action: 'vnf-image.create', objectType: 'vnf-image', objectId: stored.sha256, after: stored });
      res.location(`/api/v1/images/${stored.sha256}`);
      return { ...stored, downloadUrl: `/api/v1/images/${stored.sha256}` };
    },
  });

  api.route(router, {
    method: 'get', path: '/vnf-packages', summary: 'The VNF packages of the catalogue', tags,
    access: { type: 'firmware', action: 'read' },
    query: pageQuery.extend({ product: z.string().max(40).optional() }),
    response: pageOf(vnfPackage),
    handler: async ({ query }) => {
      const page = toPage(await prisma.vnfPackage.findMany(pageArgs(query, query.product ? { name: query.product } : {})), query.limit);
      return { items: page.items.map(toPackage), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'get', path: '/vnf-packages/:vnfPackageId', summary: 'One VNF package', tags,
    access: { type: 'firmware', action: 'read' }, params: packageParams, response: vnfPackage,
    handler: async ({ params }) => {
      const row = await prisma.vnfPackage.findUnique({ where: { id: params.vnfPackageId } });
      if (!row) throw problems.notFound(`VNF package ${params.vnfPackageId}`);
      return toPackage(row);
    },
  });

  api.route(router, {
    method: 'post', path: '/vnf-packages',
    summary: 'Add a VNF package: its image (uploaded first), flavours, interfaces, day-1 template and parameters, health check and scaling limits', tags,
    access: { type: 'firmware', action: 'write' }, body: vnfPackageInput, status: 201, response: vnfPackage,
    handler: async ({ body, principal }, req, res) => {
      if (!principal.isGlobal('firmware', 'write')) throw forbidden('The VNF catalogue is shared by every tenant: only an SP admin adds to it.');
      const found = vnfPackageProblems(body);
      if (!images.file(body.imageSha256)) found.push({ path: 'imageSha256', message: 'no image with this sha256 was uploaded: POST it to /vnf-images first' });
      if (found.length > 0) throw problems.validation(found);
      // A package never changes once added: instances and templates hold it; a new version is a new package.
      const created = await prisma.vnfPackage.create({
        data: { vendor: body.vendor, name: body.product, version: body.version, type: body.type, descriptor: descriptorOf(body) },
      }).catch((error: unknown) => {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw problems.conflict(`The catalogue has ${body.product} ${body.version} already.`);
        throw error;
      });
      await recordAudit(prisma, principal, req, { action: 'vnf-package.create', objectType: 'vnf-package', objectId: created.id, after: toPackage(created) });
      res.location(`/api/v1/vnf-packages/${created.id}`);
      return toPackage(created);
    },
  });

  api.route(router, {
    method: 'delete', path: '/vnf-packages/:vnfPackageId', summary: 'Remove a VNF package no network service or instance uses', tags,
    access: { type: 'firmware', action: 'write' }, params: packageParams, status: 204, response: z.null(),
    handler: async ({ params, principal }, req, res) => {
      if (!principal.isGlobal('firmware', 'write')) throw forbidden('The VNF catalogue is shared by every tenant: only an SP admin changes it.');
      const row = await prisma.vnfPackage.findUnique({ where: { id: params.vnfPackageId }, include: { _count: { select: { functions: true, instances: true } } } });
      if (!row) throw problems.notFound(`VNF package ${params.vnfPackageId}`);
      if (row._count.functions + row._count.instances > 0) {
        throw problems.conflict(`${row.name} ${row.version} is used by ${row._count.functions} network service function(s) and ${row._count.instances} instance(s).`);
      }
      await prisma.vnfPackage.delete({ where: { id: row.id } });
      await recordAudit(prisma, principal, req, { action: 'vnf-package.delete', objectType: 'vnf-package', objectId: row.id, before: toPackage(row) });
      res.status(204).end();
    },
  });

  return router;
}
