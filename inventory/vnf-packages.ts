// A VNF package as the lifecycle uses it: its row's descriptor read back with the catalogue's own
// schema (defaults filled in), as plain data for the API's checks and the workflow's steps.
import { vnfPackageInput } from '../domain/vnf-catalogue.ts';
import type { VnfPackageSpec } from '../domain/vnf-instance.ts';

export interface VnfPackageRow { id: string; name: string; version: string; vendor: string; type: string; descriptor: unknown }

export function packageSpec(row: VnfPackageRow): VnfPackageSpec {
  const descriptor = vnfPackageInput.parse({ ...(row.descriptor as object), vendor: row.vendor, product: row.name, version: row.version, type: row.type });
  return {
    id: row.id, product: row.name, version: row.version, imageSha256: descriptor.imageSha256, flavours: descriptor.flavours,
    day1Template: descriptor.day1.template, day1Parameters: descriptor.day1.parameters, healthCheck: descriptor.healthCheck,
  };
}
