// What onboarding a modelled site would configure, before it is stored: each device's stage-2
// configuration and its policies, rendered by the same pure templates the onboarding uses. What
// only onboarding allocates (loopbacks, tunnel addresses and units) is shown as a labelled
// placeholder, so the Add-site wizard's review says exactly what will change on each box. The
// plan is onboarding's own (inventory/site-plan.ts): a site onboarding would refuse now (a hub not
// active yet…) is answered 409 with onboarding's reason.
import { ApplicationFailure } from '@temporalio/common';
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { deviceModel } from '../../domain/device-models.ts';
import { failureTypes } from '../../domain/failure-types.ts';
import { renderers } from '../../domain/render/renderers.ts';
import { secretReference } from '../../domain/render/device-config.ts';
import { deviceConfigInput, devicePolicies, type SitePlan } from '../../domain/site-plan.ts';
import { planSite, type ModelledSite } from '../../inventory/site-plan.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { siteAggregate, type SiteAggregate } from '../schemas/site.ts';
import { plannedHostname, siteReferenceErrors } from '../site-inventory.ts';

/** Stand-ins for what onboarding allocates; each is explained in the answer's `placeholders`. */
export const previewPlaceholders = {
  loopback: 'LOOPBACK/32',
  tunnelAddress: 'TUNNEL-ADDRESS/30',
  /** The device receives the password itself; nothing shows it. */
  pppoePassword: secretReference('pppoe-password'),
} as const;

const configurationSection = z.object({
  name: z.enum(['factory-default', 'stage-2', 'policies']),
  title: z.string(),
  configuration: z.string(),
});

const sitePreview = z.object({
  devices: z.array(z.object({
    role: z.enum(['primary', 'secondary']),
    hostname: z.string(),
    model: z.string(),
    /** What the box has before onboarding (a new box: the factory default), then what onboarding pushes, in order. */
    sections: z.array(configurationSection),
  })),
  /** The far ends of the site's tunnels as they stand now. */
  peers: z.array(z.object({ siteName: z.string(), hostname: z.string(), priority: z.enum(['primary', 'secondary']).optional() })),
  placeholders: z.array(z.object({ shownAs: z.string(), meaning: z.string() })),
}).openapi('SitePreview');

/**
 * The site as the inventory will hold it once stored (api/site-inventory.ts: createPlannedSite),
 * its devices named by their role; the PPPoE password, which only the device receives, as a placeholder.
 */
export function modelledSite(site: SiteAggregate): ModelledSite {
  return {
    tenantId: site.tenantId, name: site.name, role: site.role, status: 'planned', topology: site.topology, tags: site.tags,
    meshTags: site.topology === 'partial_mesh' ? site.meshTags : [],
    hubs: [
      ...(site.primaryHubId ? [{ siteId: site.primaryHubId, priority: 'primary' as const }] : []),
      ...(site.secondaryHubId ? [{ siteId: site.secondaryHubId, priority: 'secondary' as const }] : []),
    ],
    departments: site.departments,
    devices: site.devices.map((device) => ({
      id: device.role, role: device.role, hostname: plannedHostname(site.name, device), model: device.model,
      platform: deviceModel(device.model)!.platform, serial: device.serial ?? null, status: 'planned', target: null, softwareVersion: null,
    })),
    wanLinks: site.wanLinks.map(({ name, type, deviceRole, interfaceName, backupOnly, addressing, monthlyCost }) => ({
      name, type, deviceRole, interfaceName, backupOnly, monthlyCost,
      addressing: addressing.mode === 'pppoe'
        ? { mode: 'pppoe' as const, username: addressing.username, authentication: addressing.authentication, passwordSecret: previewPlaceholders.pppoePassword }
        : addressing,
    })),
    lanSegments: site.lanSegments.map((s) => ({ name: s.name, vlanId: s.vlanId, prefix: s.prefix, dhcp: s.dhcp, department: s.department ?? null })),
    appSlaPolicyIds: site.appSlaPolicyIds,
  };
}

/** Each device's configuration as onboarding would push it, what it is allocated shown as placeholders. */
export function sitePreviewOf(plan: SitePlan): z.infer<typeof sitePreview> {
  const { devices, peers } = plan;
  return {
    devices: devices.map((device) => {
      const renderer = renderers.forPlatform(device.platform);
      const config = deviceConfigInput(plan, device, {
        role: device.role,
        loopback: previewPlaceholders.loopback,
        tunnels: peers.map((peer, index) => ({
          peerSiteId: peer.siteId, subnet: '', localAddress: previewPlaceholders.tunnelAddress, peerAddress: '', peerUnit: 0, localUnit: index + 1,
        })),
      });
      return {
        role: device.role, hostname: device.hostname, model: device.model,
        sections: [
          { name: 'factory-default' as const, title: 'Factory default (a new box)', configuration: renderer.factoryDefault() },
          { name: 'stage-2' as const, title: 'Branch configuration (stage 2)', configuration: renderer.stage2(config) },
          { name: 'policies' as const, title: 'Firewall and application steering policies', configuration: renderer.policies(devicePolicies(plan.policies, device)) },
        ],
      };
    }),
    peers: peers.map((peer) => ({ siteName: peer.siteName, hostname: peer.hostname, ...(peer.priority ? { priority: peer.priority } : {}) })),
    placeholders: [
      { shownAs: previewPlaceholders.loopback, meaning: "the device's loopback, allocated from the pool when onboarding starts" },
      ...(devices.some((device) => device.wanLinks.some((link) => link.address === 'pppoe'))
        ? [{ shownAs: previewPlaceholders.pppoePassword, meaning: 'the PPPoE password, which only the device receives' }] : []),
      ...(peers.length > 0 ? [
        { shownAs: previewPlaceholders.tunnelAddress, meaning: "this end's address in the tunnel's /30, allocated when onboarding starts" },
        { shownAs: 'st0 units', meaning: 'numbered 1, 2, … here; onboarding takes the lowest units free on each device' },
      ] : []),
    ],
  };
}

export function sitePreviewRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;

  api.route(router, {
    method: 'post',
    path: '/sites/preview',
    summary: "Each device's configuration that onboarding this site would push, without storing anything",
    tags: ['Sites'],
    access: { type: 'site', action: 'write' },
    body: siteAggregate,
    response: sitePreview,
    handler: async ({ body: site, principal }) => {
      principal.assert(site.tenantId, 'site', 'write', `Tenant ${site.tenantId}`);
      const errors = await siteReferenceErrors(prisma, site);
      if (errors.length > 0) throw problems.validation(errors);
      const plan = await planSite(prisma, modelledSite(site)).catch((error: unknown) => {
        // Onboarding would refuse the site now (its hubs are not active…): the preview says why, as onboarding would.
        if (error instanceof ApplicationFailure && error.type === failureTypes.siteNotReady) throw problems.conflict(error.message);
        throw error;
      });
      return sitePreviewOf(plan);
    },
  });

  return router;
}
