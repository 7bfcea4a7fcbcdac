// A VNF instance on a site's uCPE: checked (package, flavour, day-1 parameters, room on the host),
// stored with its reservation in one transaction, then `vnf/<instanceId>` started to instantiate and
// keep it. Room short, a bad parameter, a box that hosts no VNFs: refused with every reason, and
// nothing stored or started. The same instance asked again while the first is being instantiated (a
// double click) is refused (409) naming the first, so the uCPE is not given the VNF twice.
import { randomUUID } from 'node:crypto';
import { day1Values, vnfNameOnHost, type FieldProblem } from '../../domain/vnf-catalogue.ts';
import { vnfHealingPolicy, type VnfHealingPolicy } from '../../domain/vnf-lifecycle.ts';
import { packageSpec } from '../../inventory/vnf-packages.ts';
import { reserveVnfInstance, vnfHostOf } from '../../inventory/vnf-instances.ts';
import type { vnfLifecycle } from '../../workflows/vnf-lifecycle.ts';
import { vnfWorkflowId } from '../../workflows/vnf-lifecycle.messages.ts';
import { problems } from '../problems.ts';
import { temporalNeverReached } from '../temporal.ts';
import { auditStart, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';

export interface VnfInstanceRequest {
  siteId: string;
  packageId: string;
  flavour: string;
  parameters: Record<string, string | number | boolean>;
  /** The uCPE of the site to host it (default: the site's first device that hosts VNFs). */
  deviceId?: string | undefined;
  healing?: Partial<VnfHealingPolicy> | undefined;
}

export const vnfInstanceUrl = (instanceId: string) => `/api/v1/vnf-instances/${instanceId}`;

export async function startVnfInstance(deps: RunDependencies, origin: Origin, request: VnfInstanceRequest): Promise<{ instanceId: string; workflowId: string }> {
  const { prisma, temporal } = deps;
  const site = await prisma.site.findUnique({ where: { id: request.siteId }, include: { devices: { orderBy: { role: 'asc' } } } });
  origin.principal.assert(site?.tenantId, 'site', 'execute', `Site ${request.siteId}`);
  const found: FieldProblem[] = [];
  const device = request.deviceId ? site!.devices.find((d) => d.id === request.deviceId) : site!.devices.find((d) => vnfHostOf(d.model));
  const host = device && vnfHostOf(device.model);
  if (!device) found.push({ path: 'deviceId', message: request.deviceId ? 'the site has no such device' : 'the site has no universal CPE (NFX150, NFX250) to host a VNF' });
  else if (!host) found.push({ path: 'deviceId', message: `${device.hostname} is a ${device.model}, which hosts no VNFs` });
  else if (!device.managementAddress || !device.serial) found.push({ path: 'deviceId', message: `${device.hostname} is not in service yet: it has no address to reach` });
  const row = await prisma.vnfPackage.findUnique({ where: { id: request.packageId } });
  if (!row) found.push({ path: 'packageId', message: 'no such VNF package in the catalogue' });
  const pkg = row && packageSpec(row);
  const flavour = pkg?.flavours.find((f) => f.name === request.flavour);
  if (pkg && !flavour) found.push({ path: 'flavour', message: `${pkg.product} ${pkg.version} has no flavour ${request.flavour} (it has ${pkg.flavours.map((f) => f.name).join(', ')})` });
  const day1 = pkg ? day1Values(pkg.day1Parameters, request.parameters) : { values: {}, problems: [] };
  found.push(...day1.problems);
  if (found.length > 0) throw problems.validation(found);

  const instanceId = randomUUID();
  const name = vnfNameOnHost(pkg!.product, instanceId);
  const { shortfall, twin } = await reserveVnfInstance(prisma, host!, {
    id: instanceId, tenantId: site!.tenantId, siteId: site!.id, deviceId: device!.id, packageId: pkg!.id, name, flavour: flavour!, parameters: day1.values,
  });
  if (twin) {
    throw problems.conflict(`${twin.name}, the same VNF on ${device!.hostname}, is being instantiated: follow it.`, { vnfInstanceId: twin.id, workflowId: vnfWorkflowId(twin.id) });
  }
  if (shortfall) throw problems.validation([{ path: 'flavour', message: `${device!.hostname} has not the room for ${flavour!.name}: ${shortfall}` }]);

  const workflowId = vnfWorkflowId(instanceId);
  const healing = vnfHealingPolicy.parse(request.healing ?? {});
  try {
    await launch(temporal, workflowId, { refuse: problems.conflict(`VNF instance ${instanceId} has a run already.`, { workflowId }) }, () =>
      temporal.workflow.start<typeof vnfLifecycle>('vnfLifecycle', {
        ...startOptions(workflowId, { tenantId: site!.tenantId, siteId: site!.id, deviceSerials: [device!.serial!] }),
        args: [{ instanceId, healing }],
      }));
  } catch (error) {
    // The run never began: its reservation goes, and the request may be sent again.
    if (temporalNeverReached(error)) await prisma.vnfInstance.delete({ where: { id: instanceId } });
    throw error;
  }
  await auditStart(deps, origin, {
    action: 'vnf-instance.instantiate', objectType: 'vnf-instance', objectId: instanceId, tenantId: site!.tenantId,
    after: { siteId: site!.id, deviceId: device!.id, package: `${pkg!.product} ${pkg!.version}`, flavour: flavour!.name, name },
  });
  return { instanceId, workflowId };
}
