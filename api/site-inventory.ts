// A modelled site into the inventory: the checks that need the database (does the tenant exist,
// are the hubs hubs of that tenant, are the serials free among the devices the caller may see, is
// a box that phoned home the model planned for it), then one transaction that stores the site as
// planned, with a one-time activation code per device for zero-touch provisioning.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../prisma/client.ts';
import { deviceModel } from '../domain/device-models.ts';
import type { SecretBox } from '../runtime/secret-box.ts';
import { problems, type FieldError } from './problems.ts';
import type { SiteAggregate } from './schemas/site.ts';

/**
 * The unclaimed boxes a tenant may name as its own (a device's serial, a replacement's spare): any
 * that presented no activation code, or one of this tenant's. A box carrying another tenant's code
 * is that tenant's, and is not described to this one.
 */
export const namableBoxes = (tenantId: string) => ({ OR: [{ deviceId: null }, { device: { site: { tenantId } } }] });

export function activationCodeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/**
 * Serials are checked among the site's own tenant: a serial another tenant's device holds is, to
 * this one, as good as unknown, and the answer must not tell which serials exist elsewhere. A
 * planned device may name it (the database keeps serials unique only among devices that hold their
 * box); whichever box phones home with the activation code of its device gets that device.
 */
export async function siteReferenceErrors(prisma: PrismaClient, site: SiteAggregate): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const tenant = await prisma.tenant.findUnique({ where: { id: site.tenantId }, select: { id: true } });
  if (!tenant) return [{ path: 'tenantId', message: 'no such tenant' }];
  if (await prisma.site.findFirst({ where: { tenantId: site.tenantId, name: site.name }, select: { id: true } })) {
    errors.push({ path: 'name', message: 'this tenant already has a site of that name' });
  }
  for (const field of ['primaryHubId', 'secondaryHubId'] as const) {
    const id = site[field];
    if (!id) continue;
    const hub = await prisma.site.findUnique({ where: { id }, select: { tenantId: true, role: true } });
    if (!hub || hub.tenantId !== site.tenantId) errors.push({ path: field, message: 'no such hub in this tenant' });
    else if (hub.role !== 'hub') errors.push({ path: field, message: 'that site is not a hub' });
  }
  const serials = site.devices.flatMap((d) => (d.serial ? [d.serial] : []));
  if (serials.length > 0) {
    const taken = await prisma.device.findMany({ where: { serial: { in: serials }, site: { tenantId: site.tenantId } }, select: { serial: true } });
    site.devices.forEach((device, index) => {
      if (taken.some((t) => t.serial === device.serial)) errors.push({ path: `devices.${index}.serial`, message: 'another device already has this serial' });
    });
  }
  // A box that phoned home (waiting to be claimed) said which model it is: the device planned for it must be that model.
  if (serials.length > 0) {
    const boxes = await prisma.unclaimedDevice.findMany({ where: { serial: { in: serials }, ...namableBoxes(site.tenantId) }, select: { serial: true, model: true } });
    site.devices.forEach((device, index) => {
      const box = boxes.find((b) => b.serial === device.serial);
      if (box && box.model !== device.model) {
        errors.push({ path: `devices.${index}.model`, message: `box ${box.serial} reports that it is a ${box.model}: plan the device as a ${box.model}, or name another box` });
      }
    });
  }
  if (site.appSlaPolicyIds.length > 0) {
    const found = await prisma.appSlaPolicy.findMany({ where: { id: { in: site.appSlaPolicyIds }, tenantId: site.tenantId }, select: { id: true } });
    site.appSlaPolicyIds.forEach((id, index) => {
      if (!found.some((f) => f.id === id)) errors.push({ path: `appSlaPolicyIds.${index}`, message: 'no such application SLA policy in this tenant' });
    });
  }
  return errors;
}

/** A WAN link's addressing as the inventory's columns hold it: a PPPoE password sealed. */
function wanLinkAddressing(addressing: SiteAggregate['wanLinks'][number]['addressing'], box: SecretBox | undefined) {
  switch (addressing.mode) {
    case 'dhcp':
      return { addressing: addressing.mode };
    case 'static':
      return { addressing: addressing.mode, staticAddress: addressing.address, gateway: addressing.gateway, dnsServers: addressing.dnsServers };
    case 'pppoe':
      if (!box) throw problems.unavailable('This API process has no deployment key (SECRETS_KEY) to seal the PPPoE password with.');
      return { addressing: addressing.mode, pppoeUsername: addressing.username, pppoePassword: box.seal(addressing.password), pppoeAuthentication: addressing.authentication };
  }
}

/** The site as the audit log keeps it: PPPoE passwords are secrets, never written anywhere but their own column. */
export function auditedSite(site: SiteAggregate): SiteAggregate {
  return {
    ...site,
    wanLinks: site.wanLinks.map((link) => (link.addressing.mode === 'pppoe' ? { ...link, addressing: { ...link.addressing, password: '(secret)' } } : link)),
  };
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50) || 'site';

/** The device's host name as given, or one made of the site's name and the device's role. */
export function plannedHostname(siteName: string, device: { role: 'primary' | 'secondary'; hostname?: string | undefined }): string {
  return device.hostname ?? `${slug(siteName)}-${device.role === 'primary' ? '01' : '02'}`;
}

export interface PlannedSite {
  id: string;
  /** Shown once: the inventory keeps only their hashes. */
  activationCodes: { role: 'primary' | 'secondary'; hostname: string; serial: string | null; code: string }[];
}

export async function createPlannedSite(prisma: PrismaClient, site: SiteAggregate, secrets: SecretBox | undefined): Promise<PlannedSite> {
  const devices = site.devices.map((device) => ({
    ...device,
    hostname: plannedHostname(site.name, device),
    code: randomBytes(9).toString('base64url'),
  }));
  return prisma.$transaction(async (tx) => {
    const created = await tx.site.create({
      data: {
        tenantId: site.tenantId,
        name: site.name,
        role: site.role,
        timezone: site.timezone,
        country: site.country ?? null,
        address: site.address ?? null,
        tags: site.tags,
        meshTags: site.topology === 'partial_mesh' ? site.meshTags : [],
        topology: site.topology,
        devices: {
          create: devices.map((device) => ({
            role: device.role,
            hostname: device.hostname,
            model: device.model,
            platform: deviceModel(device.model)!.platform,
            serial: device.serial ?? null,
            activationCodeHash: activationCodeHash(device.code),
          })),
        },
        departments: { create: site.departments.map((name) => ({ name })) },
        hubs: {
          create: [
            ...(site.primaryHubId ? [{ hubSiteId: site.primaryHubId, priority: 'primary' as const }] : []),
            ...(site.secondaryHubId ? [{ hubSiteId: site.secondaryHubId, priority: 'secondary' as const }] : []),
          ],
        },
        appSlaPolicies: { create: site.appSlaPolicyIds.map((policyId) => ({ policyId })) },
      },
      include: { devices: true, departments: true },
    });
    const deviceId = (role: string) => created.devices.find((d) => d.role === role)!.id;
    await tx.wanLink.createMany({
      data: site.wanLinks.map(({ deviceRole, addressing, ...link }) => ({ ...link, ...wanLinkAddressing(addressing, secrets), siteId: created.id, deviceId: deviceId(deviceRole) })),
    });
    await tx.lanSegment.createMany({
      data: site.lanSegments.map(({ department, ...segment }) => ({
        ...segment,
        siteId: created.id,
        departmentId: department ? created.departments.find((d) => d.name === department)!.id : null,
      })),
    });
    return {
      id: created.id,
      activationCodes: devices.map((d) => ({ role: d.role, hostname: d.hostname, serial: d.serial ?? null, code: d.code })),
    };
  });
}
