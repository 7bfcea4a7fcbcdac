// The inventory side of onboarding and decommissioning: read a site as a plan, keep its status,
// admit the boxes that phone home, raise alarms and keep the run summaries for lists.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { publishEvent } from './events/publish.ts';
import { Prisma, type PrismaClient } from '../prisma/client.ts';
import { admissionAlarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import type { FirewallRuleConfig, PolicyConfigInput } from '../domain/render/device-config.ts';
import type { TunnelConfig } from '../domain/render/device-config.ts';
import { wanLinkChecks, wanLinkConfigs, type DeviceTarget, type DeviceTunnelPlan, type PeerDevice, type PlannedDevice, type SitePlan, type TargetImage, type WanLinkPlan } from '../domain/site-plan.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import { pppoePasswordSecret } from './devices/secrets.ts';
import { allocateSiteAddresses, releaseSiteAddresses, tunnelEnds } from '../inventory/allocations.ts';

type SiteStatus = 'planned' | 'onboarding' | 'active' | 'failed' | 'decommissioning' | 'decommissioned';
type RunKind = 'site_onboarding' | 'ztp' | 'decommission' | 'device_upgrade' | 'upgrade_campaign' | 'rma';
type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

const deviceInclude = { wanLinks: { orderBy: { name: 'asc' } } } as const satisfies Prisma.DeviceInclude;
type DeviceRow = Prisma.DeviceGetPayload<{ include: typeof deviceInclude }>;

function targetOf(device: DeviceRow): DeviceTarget | null {
  if (!device.serial || !device.managementAddress) return null;
  return {
    deviceId: device.id,
    serial: device.serial,
    platform: device.platform,
    host: device.managementAddress,
    netconfPort: device.netconfPort,
    snmpPort: device.snmpPort,
    ...(device.hostKeySha256 ? { hostKeySha256: device.hostKeySha256 } : {}),
  };
}

/** A WAN link as configuration needs it: its PPPoE password stays in the inventory, named by a secret reference. */
function wanLinkPlan(link: DeviceRow['wanLinks'][number]): WanLinkPlan {
  const { name, interfaceName, backupOnly } = link;
  switch (link.addressing) {
    case 'dhcp':
      return { name, interfaceName, backupOnly, addressing: { mode: 'dhcp' } };
    case 'static':
      return { name, interfaceName, backupOnly, addressing: { mode: 'static', address: link.staticAddress!, gateway: link.gateway!, dnsServers: link.dnsServers } };
    case 'pppoe':
      return {
        name, interfaceName, backupOnly,
        addressing: { mode: 'pppoe', username: link.pppoeUsername!, authentication: link.pppoeAuthentication!, passwordSecret: pppoePasswordSecret(link.id) },
      };
  }
}

function plannedDevice(device: DeviceRow): PlannedDevice {
  return {
    id: device.id,
    role: device.role,
    hostname: device.hostname,
    model: device.model,
    platform: device.platform,
    serial: device.serial,
    status: device.status,
    target: targetOf(device),
    softwareVersion: device.softwareVersion,
    wanLinks: wanLinkConfigs(device.wanLinks.map(wanLinkPlan)),
    primaryLinks: device.wanLinks.filter((link) => !link.backupOnly).map((link) => link.name),
  };
}

const notReady = (message: string) => ApplicationFailure.nonRetryable(message, failureTypes.siteNotReady);

const ruleName = (policy: string, rule: string) => `${policy}-${rule}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The workflow the running activity belongs to, which the event names. */
const runningWorkflow = () => Context.current().info.workflowExecution?.workflowId ?? null;

interface PeerSite { id: string; name: string; status: string; priority?: 'primary' | 'secondary' }

/**
 * The sites a mesh site tunnels to: a full-mesh site to every active full-mesh site of its tenant,
 * a partial-mesh site to the active mesh sites carrying one of its mesh tags.
 */
export function meshPeerSites(prisma: PrismaClient, site: { id?: string; tenantId: string; topology: string; meshTags: string[] }): Promise<PeerSite[]> {
  return prisma.site.findMany({
    where: {
      tenantId: site.tenantId, ...(site.id ? { id: { not: site.id } } : {}), status: 'active', role: 'spoke',
      ...(site.topology === 'partial_mesh'
        ? { topology: { in: ['full_mesh', 'partial_mesh'] }, tags: { hasSome: site.meshTags } }
        : { topology: 'full_mesh' }),
    },
    orderBy: { id: 'asc' },
  });
}

/** A peer site's primary device as the far end of tunnels; undefined while it has no provisioned box. */
export async function peerDevice(prisma: PrismaClient, peer: { id: string; name: string; priority?: 'primary' | 'secondary' }): Promise<PeerDevice | undefined> {
  const device = await prisma.device.findFirst({ where: { siteId: peer.id, role: 'primary' }, include: deviceInclude });
  const target = device && targetOf(device);
  if (!device || !target) return undefined;
  const planned = plannedDevice(device);
  return {
    siteId: peer.id, siteName: peer.name, ...(peer.priority ? { priority: peer.priority } : {}),
    hostname: device.hostname, target, wanLinks: planned.wanLinks, primaryLinks: planned.primaryLinks,
  };
}

/** Firewall intent that applies to a site (tenant-wide, its tags, its departments) and its steering policies. */
export async function sitePolicies(prisma: PrismaClient, site: {
  tenantId: string; tags: string[]; departments: string[]; links: { name: string; type: string }[]; appSlaPolicyIds: string[];
}): Promise<PolicyConfigInput> {
  const firewallPolicies = await prisma.firewallPolicy.findMany({
    where: {
      tenantId: site.tenantId,
      OR: [{ scope: 'tenant' }, { scope: 'site_group', scopeRef: { in: site.tags } }, { scope: 'department', scopeRef: { in: site.departments } }],
    },
    orderBy: [{ position: 'asc' }, { name: 'asc' }],
  });
  const firewall: FirewallRuleConfig[] = firewallPolicies.flatMap((policy) =>
    (policy.rules as { name: string; from: string; to: string; applications?: string[]; action: FirewallRuleConfig['action']; log?: boolean }[])
      .map((rule) => ({ name: ruleName(policy.name, rule.name), from: rule.from, to: rule.to, applications: rule.applications ?? ['any'], action: rule.action, log: rule.log ?? false })));
  const steering = await prisma.appSlaPolicy.findMany({ where: { id: { in: site.appSlaPolicyIds }, tenantId: site.tenantId }, include: { slaProfile: true } });
  return {
    firewall,
    steering: steering.map((policy) => ({
      name: ruleName(policy.name, ''),
      applications: policy.applications,
      preferredLinks: site.links.filter((l) => policy.preferredLinkTypes.includes(l.type as never)).map((l) => l.name),
      maxLatencyMs: policy.slaProfile.maxLatencyMs,
      maxJitterMs: policy.slaProfile.maxJitterMs,
      maxLossPermille: policy.slaProfile.maxLossPermille,
      breakout: policy.breakout,
    })),
  };
}

/**
 * The other ends of a site's tunnels (hubs and mesh peers, whichever side allocated them), with
 * the tunnels as they are configured there; only those reaching `near` when it is given. A
 * tunnel's `viaLink` is left empty: removing one needs no WAN link.
 */
export async function farEnds(prisma: PrismaClient, site: { id: string; devices: DeviceRow[] }, near?: DeviceRow): Promise<FarEnd[]> {
  const tunnels = await prisma.allocation.findMany({ where: { kind: 'tunnel_subnet', OR: [{ siteId: site.id }, { peerSiteId: site.id }] } });
  const units = await prisma.allocation.findMany({ where: { kind: 'tunnel_id', OR: [{ siteId: site.id }, { peerSiteId: site.id }] } });
  const primaryOf = (siteId: string) => prisma.device.findFirst({ where: { siteId, role: 'primary' }, include: deviceInclude });
  const remote = new Map<string, FarEnd>();
  for (const tunnel of tunnels) {
    const owner = tunnel.siteId === site.id;
    // The far end: the peer's primary device for the site's own tunnels, the owner's device otherwise.
    const far = owner
      ? await primaryOf(tunnel.peerSiteId!)
      : await prisma.device.findFirst({ where: { siteId: tunnel.siteId, role: tunnel.deviceRole }, include: deviceInclude });
    const nearDevice = owner ? site.devices.find((d) => d.role === tunnel.deviceRole) : site.devices.find((d) => d.role === 'primary');
    const farTarget = far && targetOf(far);
    if (!far || !farTarget || !nearDevice || (near && nearDevice.id !== near.id)) continue;
    const unitOn = (device: { siteId: string; role: string }) => units.find((u) =>
      u.siteId === tunnel.siteId && u.peerSiteId === tunnel.peerSiteId && u.deviceRole === tunnel.deviceRole && u.value.startsWith(`${device.siteId}/${device.role}:`));
    const unit = unitOn(far);
    if (!unit) continue;
    const entry = remote.get(far.id) ?? { siteId: far.siteId, target: farTarget, hostname: far.hostname, primaryLinks: plannedDevice(far).primaryLinks, tunnels: [], localUnits: [] };
    const ends = tunnelEnds(tunnel.value);
    entry.tunnels.push({
      name: nearDevice.hostname, unit: Number(unit.value.split(':')[1]), peer: nearDevice.managementAddress ?? '0.0.0.0',
      localAddress: owner ? ends.peerAddress : ends.localAddress, viaLink: '',
    });
    const localUnit = unitOn(nearDevice);
    if (localUnit) entry.localUnits.push(Number(localUnit.value.split(':')[1]));
    remote.set(far.id, entry);
  }
  return [...remote.values()];
}

/** The far ends of the tunnels reaching one device, as an RMA of it finds them. */
export async function farEndsOfDevice(prisma: PrismaClient, deviceId: string): Promise<FarEnd[]> {
  const device = await prisma.device.findUniqueOrThrow({ where: { id: deviceId }, include: deviceInclude });
  const devices = await prisma.device.findMany({ where: { siteId: device.siteId }, include: deviceInclude });
  return farEnds(prisma, { id: device.siteId, devices }, device);
}

export function createSiteActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma } = deps;

  /** The peers' primary devices, which must be provisioned already (hubs active, mesh peers active). */
  async function peersOf(site: { id: string; tenantId: string; topology: string; meshTags: string[]; role: string }): Promise<PeerDevice[]> {
    let peerSites: PeerSite[];
    if (site.role === 'hub') {
      peerSites = [];
    } else if (site.topology === 'hub_and_spoke') {
      const hubs = await prisma.siteHub.findMany({ where: { spokeSiteId: site.id }, include: { hub: true }, orderBy: { priority: 'asc' } });
      peerSites = hubs.map((h) => ({ id: h.hub.id, name: h.hub.name, status: h.hub.status, priority: h.priority }));
      const inactive = peerSites.find((hub) => hub.status !== 'active');
      if (inactive) throw notReady(`Hub ${inactive.name} is ${inactive.status}, not active: onboard it first.`);
    } else {
      peerSites = await meshPeerSites(prisma, site);
    }
    const peers: PeerDevice[] = [];
    for (const peer of peerSites) {
      const device = await peerDevice(prisma, peer);
      if (!device) throw notReady(`${peer.name} has no provisioned primary device to end the tunnels on.`);
      peers.push(device);
    }
    return peers;
  }

  /** The policies of a stored site: its own steering choices. */
  async function policiesOf(site: { id: string; tenantId: string; tags: string[] }, departments: string[], links: { name: string; type: string }[]): Promise<PolicyConfigInput> {
    const chosen = await prisma.siteAppSlaPolicy.findMany({ where: { siteId: site.id }, select: { policyId: true } });
    return sitePolicies(prisma, { tenantId: site.tenantId, tags: site.tags, departments, links, appSlaPolicyIds: chosen.map((c) => c.policyId) });
  }

  return {
    /** The site as onboarding needs it; a site that cannot be onboarded now fails with SiteNotReady and the reason. */
    async loadSitePlan(input: { siteId: string }): Promise<SitePlan> {
      const site = await prisma.site.findUnique({
        where: { id: input.siteId },
        include: {
          devices: { include: deviceInclude, orderBy: { role: 'asc' } },
          lanSegments: { include: { department: true }, orderBy: { vlanId: 'asc' } },
          departments: true,
          wanLinks: true,
        },
      });
      if (!site) throw ApplicationFailure.nonRetryable(`Site ${input.siteId} does not exist.`, failureTypes.siteNotFound);
      if (site.devices.length === 0) throw notReady(`${site.name} has no device.`);
      const images = await prisma.tenantTargetImage.findMany({ where: { tenantId: site.tenantId }, include: { image: true } });
      return {
        siteId: site.id,
        tenantId: site.tenantId,
        name: site.name,
        role: site.role,
        status: site.status,
        topology: site.topology,
        devices: site.devices.map(plannedDevice),
        lanSegments: site.lanSegments.map((s) => ({ name: s.name, vlanId: s.vlanId, prefix: s.prefix, dhcp: s.dhcp, department: s.department?.name ?? null })),
        peers: await peersOf(site),
        policies: await policiesOf(site, site.departments.map((d) => d.name), site.wanLinks),
        targetImages: images.map((t) => ({ model: t.model, version: t.image.version, sha256: t.image.sha256 })),
      };
    },

    /**
     * What decommissioning undoes: the tunnels on the other ends (hubs and mesh peers, whichever
     * side allocated them) and the site's own devices.
     */
    async loadDecommissionPlan(input: { siteId: string }): Promise<DecommissionPlan> {
      const site = await prisma.site.findUnique({ where: { id: input.siteId }, include: { devices: { include: deviceInclude } } });
      if (!site) throw ApplicationFailure.nonRetryable(`Site ${input.siteId} does not exist.`, failureTypes.siteNotFound);
      return {
        siteId: site.id, tenantId: site.tenantId, name: site.name, status: site.status,
        devices: site.devices.map((d) => ({ id: d.id, hostname: d.hostname, target: targetOf(d) })),
        peers: (await farEnds(prisma, site)).map(({ target, hostname, tunnels }) => ({ target, hostname, tunnels })),
      };
    },

    /**
     * What replacing a device needs: where it is, the far ends of its tunnels, what must be up on
     * the replacement, the site's policies and the target image for the replacement's model (the
     * device's own unless told).
     */
    async loadRmaPlan(input: { deviceId: string; model?: string }): Promise<RmaPlan> {
      const device = await prisma.device.findUnique({ where: { id: input.deviceId }, include: deviceInclude });
      if (!device) throw ApplicationFailure.nonRetryable(`Device ${input.deviceId} does not exist.`, failureTypes.deviceNotFound);
      const site = await prisma.site.findUniqueOrThrow({
        where: { id: device.siteId },
        include: { devices: { include: deviceInclude }, lanSegments: true, departments: true, wanLinks: true },
      });
      const ends = await farEnds(prisma, site, device);
      const carriesLan = device.role === 'primary' || site.devices.length === 1;
      const planned = plannedDevice(device);
      const up = [
        ...(carriesLan ? site.lanSegments.map((s) => `irb.${s.vlanId}`) : []),
        ...ends.flatMap((end) => end.localUnits.map((unit) => `st0.${unit}`)),
      ];
      const image = await prisma.tenantTargetImage.findUnique({ where: { tenantId_model: { tenantId: site.tenantId, model: input.model ?? device.model } }, include: { image: true } });
      const previous = await prisma.rmaRecord.findFirst({ where: { deviceId: device.id, farTunnels: { not: Prisma.AnyNull } }, orderBy: { openedAt: 'desc' } });
      return {
        tenantId: site.tenantId, siteId: site.id, siteName: site.name, siteStatus: site.status, siteRole: site.role,
        device: { id: device.id, hostname: device.hostname, role: device.role, model: device.model, platform: device.platform, status: device.status, serial: device.serial, target: targetOf(device) },
        farEnds: ends,
        previousFarTunnels: (previous?.farTunnels ?? []) as unknown as RemovedTunnel[],
        checks: [
          ...wanLinkChecks(planned.wanLinks.filter((l) => planned.primaryLinks.includes(l.name))),
          ...[...new Set(up)].map((name) => ({ kind: 'interface-up' as const, interface: name })),
        ],
        policies: await policiesOf(site, site.departments.map((d) => d.name), site.wanLinks),
        ...(image ? { targetImage: { model: image.model, version: image.image.version, sha256: image.image.sha256 } } : {}),
      };
    },

    /** A decommissioned site's device gives its serial back, so the box can serve another site. */
    async retireDevice(input: { deviceId: string }): Promise<void> {
      await prisma.device.update({
        where: { id: input.deviceId },
        data: { status: 'retired', serial: null, managementAddress: null, hostKeySha256: null, activationCodeHash: null },
      });
    },

    async setSiteStatus(input: { siteId: string; status: SiteStatus; reason?: string; provisioningDeadline?: string }): Promise<void> {
      const site = await prisma.site.update({
        where: { id: input.siteId },
        data: {
          status: input.status,
          statusReason: input.reason ?? null,
          ...(input.provisioningDeadline ? { provisioningDeadline: new Date(input.provisioningDeadline) } : {}),
          version: { increment: 1 },
        },
        select: { tenantId: true },
      });
      await publishEvent(deps, { tenantId: site.tenantId, type: 'site.status_changed', workflowId: runningWorkflow(), data: { siteId: input.siteId, status: input.status, reason: input.reason ?? null } });
    },

    async allocateSiteAddresses(input: { siteId: string; devices: DeviceTunnelPlan[] }) {
      return allocateSiteAddresses(prisma, input);
    },

    async releaseSiteAddresses(input: { siteId: string; includingPeers?: boolean }) {
      return releaseSiteAddresses(prisma, input);
    },

    /** The box phoned home and was admitted: where to reach it, its host key (pinned from now on), the code used up. */
    async admitDevice(input: { deviceId: string; serial: string; address: string; netconfPort: number; snmpPort: number; hostKeySha256: string; softwareVersion: string }): Promise<DeviceTarget> {
      const device = await prisma.device.update({
        where: { id: input.deviceId },
        data: {
          serial: input.serial,
          managementAddress: input.address,
          netconfPort: input.netconfPort,
          snmpPort: input.snmpPort,
          hostKeySha256: input.hostKeySha256,
          softwareVersion: input.softwareVersion,
          activationCodeHash: null,
          status: 'provisioning',
          lastSeenAt: new Date(),
        },
        include: { ...deviceInclude, site: { select: { tenantId: true } } },
      }).catch((error: unknown) => {
        // Serials are unique among devices holding their box: another device took this one meanwhile.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw ApplicationFailure.nonRetryable(`Serial ${input.serial} is in service on another device already.`, failureTypes.serialInService);
        }
        throw error;
      });
      await publishEvent(deps, { tenantId: device.site.tenantId, type: 'device.admitted', workflowId: runningWorkflow(), data: { siteId: device.siteId, deviceId: device.id, hostname: device.hostname, serial: input.serial, address: input.address } });
      return targetOf(device)!;
    },

    /**
     * The onboarding's end, in one transaction: every device online on the version it runs (the
     * alarms about getting its box admitted cleared), the site active.
     */
    async activateSite(input: { siteId: string; devices: { deviceId: string; softwareVersion: string }[] }): Promise<void> {
      await prisma.$transaction([
        ...input.devices.map((d) => prisma.device.update({ where: { id: d.deviceId }, data: { status: 'online', softwareVersion: d.softwareVersion, lastSeenAt: new Date() } })),
        clearAlarms(prisma, { deviceIds: input.devices.map((d) => d.deviceId), types: admissionAlarmTypes }),
        prisma.site.update({ where: { id: input.siteId }, data: { status: 'active', statusReason: null, version: { increment: 1 } } }),
      ]);
    },

    /** Where a device is and how to reach it, for a change to that device alone (an upgrade). */
    async loadDeviceTarget(input: { deviceId: string }): Promise<{ hostname: string; siteId: string; tenantId: string; model: string; target: DeviceTarget }> {
      const device = await prisma.device.findUnique({ where: { id: input.deviceId }, include: { ...deviceInclude, site: { select: { tenantId: true } } } });
      if (!device) throw ApplicationFailure.nonRetryable(`Device ${input.deviceId} does not exist.`, failureTypes.deviceNotFound);
      const target = targetOf(device);
      if (!target) throw ApplicationFailure.nonRetryable(`${device.hostname} has never been provisioned: it has no address to reach.`, failureTypes.deviceNotFound);
      if (device.status === 'rma') throw ApplicationFailure.nonRetryable(`${device.hostname} is being replaced (RMA): it is upgraded once the new box is in service.`, failureTypes.upgradePreCheckFailed);
      return { hostname: device.hostname, siteId: device.siteId, tenantId: device.site.tenantId, model: device.model, target };
    },

    /** A device is upgraded only at an active site that no other workflow is changing. */
    async assertSiteIdle(input: { siteId: string }): Promise<void> {
      const site = await prisma.site.findUnique({ where: { id: input.siteId }, select: { name: true, status: true } });
      if (!site) throw ApplicationFailure.nonRetryable(`Site ${input.siteId} does not exist.`, failureTypes.siteNotFound);
      if (site.status !== 'active') throw ApplicationFailure.nonRetryable(`${site.name} is ${site.status}: another change is under way or the site is not in service.`, failureTypes.siteBusy);
    },

    async setDeviceStatus(input: { deviceId: string; status: 'planned' | 'provisioning' | 'online' | 'offline' | 'upgrading'; softwareVersion?: string }): Promise<void> {
      const device = await prisma.device.update({
        where: { id: input.deviceId },
        data: {
          status: input.status,
          ...(input.softwareVersion ? { softwareVersion: input.softwareVersion } : {}),
          ...(input.status === 'online' ? { lastSeenAt: new Date() } : {}),
        },
        select: { id: true, siteId: true, hostname: true, site: { select: { tenantId: true } } },
      });
      await publishEvent(deps, { tenantId: device.site.tenantId, type: 'device.status_changed', workflowId: runningWorkflow(), data: { siteId: device.siteId, deviceId: device.id, hostname: device.hostname, status: input.status } });
    },

    /** One active alarm per dedupe key: raising it again updates its message. */
    async raiseAlarm(input: { tenantId?: string; siteId?: string; deviceId?: string; type: string; severity: 'critical' | 'major' | 'minor' | 'warning' | 'info'; message: string; dedupeKey: string }): Promise<void> {
      await raiseAlarm(prisma, input);
      await publishEvent(deps, { tenantId: input.tenantId ?? null, type: 'alarm.raised', workflowId: runningWorkflow(), data: { ...input } });
    },

    /** A run's summary for lists; a campaign spans many sites and names none. */
    async recordRun(input: { workflowId: string; runId: string; kind: RunKind; tenantId: string; siteId?: string; ticket?: string }): Promise<void> {
      const data = { runId: input.runId, kind: input.kind, tenantId: input.tenantId, siteId: input.siteId ?? null, ticket: input.ticket ?? null, status: 'running' as const, error: null, closedAt: null };
      await prisma.runSummary.upsert({ where: { workflowId: input.workflowId }, create: { workflowId: input.workflowId, ...data }, update: data });
      await publishEvent(deps, { tenantId: input.tenantId, type: 'run.started', workflowId: input.workflowId, data: { runId: input.runId, kind: input.kind, siteId: input.siteId ?? null, ticket: input.ticket ?? null } });
    },

    async closeRun(input: { workflowId: string; status: RunStatus; error?: string }): Promise<void> {
      const [run] = await prisma.runSummary.updateManyAndReturn({ where: { workflowId: input.workflowId }, data: { status: input.status, error: input.error ?? null, closedAt: new Date() } });
      if (!run) return;
      await publishEvent(deps, { tenantId: run.tenantId, type: `run.${input.status}`, workflowId: run.workflowId, data: { runId: run.runId, kind: run.kind, siteId: run.siteId, ticket: run.ticket, error: input.error ?? null } });
    },

    /** Onboarding's last word: an audit entry, and the event ITSM callbacks and the UI follow. */
    async notifySiteEvent(input: { tenantId: string; siteId: string; action: 'site.activated' | 'site.decommissioned'; workflowId: string }): Promise<void> {
      await prisma.auditEntry.create({
        data: { actorType: 'system', actorId: input.workflowId, tenantId: input.tenantId, action: input.action, objectType: 'site', objectId: input.siteId },
      });
      const site = await prisma.site.findUnique({ where: { id: input.siteId }, select: { name: true, status: true } });
      await publishEvent(deps, { tenantId: input.tenantId, type: input.action, workflowId: input.workflowId, data: { siteId: input.siteId, name: site?.name ?? null, status: site?.status ?? null } });
    },
  };
}

/** The other end of some of a site's tunnels: a hub's or a mesh peer's device. */
export interface FarEnd {
  siteId: string;
  target: DeviceTarget;
  hostname: string;
  primaryLinks: string[];
  /** The tunnels as configured on the far end (its units, the near device as their peer). */
  tunnels: TunnelConfig[];
  /** The same tunnels' units on the near device. */
  localUnits: number[];
}

/** A tunnel removed from a far end when its device was replaced, kept to restore it. */
export interface RemovedTunnel extends TunnelConfig {
  farSerial: string;
}

export interface RmaPlan {
  tenantId: string;
  siteId: string;
  siteName: string;
  siteStatus: string;
  siteRole: 'hub' | 'spoke';
  device: { id: string; hostname: string; role: 'primary' | 'secondary'; model: string; platform: string; status: string; serial: string | null; target: DeviceTarget | null };
  farEnds: FarEnd[];
  /** What an earlier replacement of this device removed from the far ends, should they hold nothing now. */
  previousFarTunnels: RemovedTunnel[];
  /** What must be up on the replacement: its WAN links, LAN gateways and tunnels. */
  checks: PostCheck[];
  policies: PolicyConfigInput;
  targetImage?: TargetImage;
}

export interface DecommissionPlan {
  siteId: string;
  tenantId: string;
  name: string;
  status: string;
  devices: { id: string; hostname: string; target: DeviceTarget | null }[];
  /** The other ends of the site's tunnels, with the tunnels as they are configured there. */
  peers: { target: DeviceTarget; hostname: string; tunnels: TunnelConfig[] }[];
}

export async function raiseAlarm(
  prisma: PrismaClient | Prisma.TransactionClient,
  input: { tenantId?: string; siteId?: string; deviceId?: string; type: string; severity: 'critical' | 'major' | 'minor' | 'warning' | 'info'; message: string; dedupeKey: string },
): Promise<void> {
  const active = await prisma.alarm.findFirst({ where: { dedupeKey: input.dedupeKey, state: { not: 'cleared' } } });
  if (active) {
    await prisma.alarm.update({ where: { id: active.id }, data: { message: input.message, severity: input.severity } });
    return;
  }
  await prisma.alarm.create({
    data: {
      tenantId: input.tenantId ?? null, siteId: input.siteId ?? null, deviceId: input.deviceId ?? null,
      type: input.type, severity: input.severity, message: input.message, dedupeKey: input.dedupeKey,
    },
  });
}

/** Clears the devices' active (or acknowledged) alarms of these types: what they were about is over. */
export function clearAlarms(prisma: PrismaClient, input: { deviceIds: string[]; types: string[] }) {
  return prisma.alarm.updateMany({
    where: { deviceId: { in: input.deviceIds }, type: { in: input.types }, state: { not: 'cleared' } },
    data: { state: 'cleared', clearedAt: new Date() },
  });
}

export type SiteActivities = ReturnType<typeof createSiteActivities>;
