// The simulated network the end-to-end tests drive the wizards against: factory-default boxes that
// phone home to the API (they wait among the unclaimed devices, for Add site and RMA), a box still
// in its carton (powered off: it phones home once the installer plugs it in), and a tenant
// whose sites are in service on boxes of their own, with a newer image in the catalogue as the
// tenant's target (for bulk upgrades and RMA); four more of its sites form the site group bulk
// upgrades choose, so a campaign never touches the two the other specs rely on; one more site has
// two WAN links (MPLS and broadband) for the SLA specs, and the worker runs the telemetry pollers,
// so a policy pushed there is steered on what the box measures. Loopback addresses 127.49.x.y,
// used by no other test. One more site, on a box of its own (127.155.0.1), is the configuration
// spec's: changed by hand at the box, found by the worker's drift reconciliation every 2 s. And one
// site has a universal CPE (an NFX250, 127.221.0.1, its VNFs' guests from 127.221.1.1) for the
// network-service spec, with a firewall and a router in the VNF catalogue and a template chaining them.
// One more factory-default box (127.190.0.1) is the site page spec's: a site is planned on it,
// onboarded from the site's page and decommissioned again.
// One more (127.200.0.1) is the alarms spec's: powered off, its device goes offline with an alarm,
// which clears itself when the box answers again (the same reconciliation reads whether it answers).
// One more (127.236.0.1) is the credentials spec's: given a credential profile of its own, and its
// login rotated.
// A tenant of its own, with two bakeries in service on boxes 801 and 802 (127.244.0.1), is the
// policies spec's: a policy deployment reaches every site of a tenant, and no other spec's.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ImageStore } from '../inventory/images.ts';
import type { PrismaClient } from '../prisma/client.ts';
import { Fleet } from '../simulator/fleet.ts';
import type { SimulatedDevice } from '../simulator/device.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { simulatorVnfImage } from '../simulator/vnf-host.ts';
import { createTemplate } from '../inventory/network-services.ts';
import { simulatorImage } from './lab.ts';
import { freePort } from './processes.ts';

const model = 'SRX-SIM-300';
const targetVersion = '24.1R1';
const deviceCredentials = { username: 'branchline', password: 'e2e-device-password', community: 'branchline-e2e' };
const sites = [
  { name: 'Ghent pharmacy', hostname: 'ghent-pharmacy', timezone: 'Europe/Brussels', country: 'BE' },
  { name: 'Bruges pharmacy', hostname: 'bruges-pharmacy', timezone: 'Europe/Brussels', country: 'BE' },
];
/** A site group for bulk upgrades: enough devices and phases to pause a campaign mid-way, none of the sites above. */
const upgradePilotTag = 'upgrade-pilot';
const upgradePilotSites = ['Antwerp', 'Leuven', 'Namur', 'Liege'].map((town) => ({
  name: `${town} pharmacy`, hostname: `${town.toLowerCase()}-pharmacy`, timezone: 'Europe/Brussels', country: 'BE', tags: [upgradePilotTag],
}));
/**
 * Two WAN links on the box's first two ports (the simulator's wan0 and wan1), MPLS the dearer. MPLS
 * is addressed statically: its gateway, and the provider's DNS server for broadband, are what the
 * RPM probes aim at (a DHCP link with neither has no probe to steer by).
 */
const slaSite = {
  name: 'Mechelen pharmacy', hostname: 'mechelen-pharmacy', timezone: 'Europe/Brussels', country: 'BE',
  wanLinks: [
    { name: 'mpls', type: 'mpls' as const, interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420, addressing: 'static' as const, staticAddress: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['192.0.2.53'] },
    { name: 'internet', type: 'broadband' as const, interfaceName: 'ge-0/0/1', bandwidthMbps: 500, monthlyCost: 40, addressing: 'dhcp' as const },
  ],
};
type InServiceSite = { name: string; hostname: string; timezone: string; country: string; tags?: string[]; wanLinks?: (typeof slaSite.wanLinks)[number][] };
const inServiceSites: InServiceSite[] = [...sites, ...upgradePilotSites, slaSite];
/** The configuration spec's site: its box is changed by hand, rolled back and re-applied, and no other spec's. */
const configurationSite: InServiceSite = { name: 'Hasselt pharmacy', hostname: 'hasselt-pharmacy', timezone: 'Europe/Brussels', country: 'BE' };
/** The alarms spec's site: its box is powered off and on again (unreachable, then back), and no other spec's. */
const alarmSite: InServiceSite = { name: 'Knokke pharmacy', hostname: 'knokke-pharmacy', timezone: 'Europe/Brussels', country: 'BE' };

/** The credentials spec's site: its box gets a profile of its own and its login rotated, and no other spec's. */
const credentialSite: InServiceSite = { name: 'Tienen pharmacy', hostname: 'tienen-pharmacy', timezone: 'Europe/Brussels', country: 'BE' };

/** The network-service spec's site: an NFX250 in service, whose VNFs boot in half a second. */
const ucpeSite: InServiceSite = { name: 'Ostend pharmacy', hostname: 'ostend-pharmacy', timezone: 'Europe/Brussels', country: 'BE' };
const serviceTemplate = 'secure-edge';

/** The policies spec's tenant: each bakery has a Staff department (a zone its rules name), and only these sites. */
const policyTenant = 'Fabrikam Bakeries';
const policySites: InServiceSite[] = [
  { name: 'Aalst bakery', hostname: 'aalst-bakery', timezone: 'Europe/Brussels', country: 'BE' },
  { name: 'Dendermonde bakery', hostname: 'dendermonde-bakery', timezone: 'Europe/Brussels', country: 'BE' },
];
/** Two VNFs to chain, each answering its health check over SNMP every 5 s. */
const vnfPackages = [
  { product: 'vsrx', type: 'firewall' as const, parameters: [{ name: 'hostName', type: 'string' as const, required: true }, { name: 'sessionLimit', type: 'integer' as const, required: false, min: 100, max: 100_000, default: 10_000 }] },
  { product: 'vrouter', type: 'router' as const, parameters: [{ name: 'hostName', type: 'string' as const, required: true }, { name: 'lanPrefix', type: 'ipv4-prefix' as const, required: true }] },
];

export interface E2eFleet {
  /** What the worker needs to reach the boxes. */
  workerEnv: Record<string, string>;
  /** What the specs are told (see the E2E_* names). */
  specEnv: Record<string, string>;
  /** Seeds the in-service tenant (after the demo seed, which creates the OpCo). */
  seed(prisma: PrismaClient, dataDir: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startE2eFleet(options: { apiUrl: string }): Promise<E2eFleet> {
  const ports = { snmpPort: await freePort(), netconfPort: await freePort() };
  const common = { ...ports, models: [model], controlPort: 0, credentials: deviceCredentials, phoneHomeIntervalMs: 2000, rebootMs: 2000 };
  // Each fleet started is stopped again if a later one fails to start.
  const started: Fleet[] = [];
  const start = async (options: Parameters<typeof Fleet.start>[0]) => {
    try {
      const fleet = await Fleet.start(options);
      started.push(fleet);
      return fleet;
    } catch (error) {
      await Promise.allSettled(started.map((fleet) => fleet.stop()));
      throw error;
    }
  };
  const phoneHomeUrl = `${options.apiUrl}/api/v1/ztp/phone-home`;
  const inService = await start({ ...common, devices: inServiceSites.length, baseAddress: '127.49.0.1' });
  const factory = await start({ ...common, devices: 3, firstSerial: 101, baseAddress: '127.49.1.1', phoneHomeUrl });
  const cartons = await start({ ...common, devices: 1, firstSerial: 201, baseAddress: '127.49.2.1', phoneHomeUrl, poweredOff: true });
  const configuration = await start({ ...common, devices: 1, firstSerial: 301, baseAddress: '127.155.0.1' });
  const ucpe = await start({ ...common, models: ['NFX250'], devices: 1, firstSerial: 401, baseAddress: '127.221.0.1', vnfGuests: { baseAddress: '127.221.1.1', bootMs: 500 } });
  const sitePage = await start({ ...common, devices: 1, firstSerial: 501, baseAddress: '127.190.0.1', phoneHomeUrl });
  const alarming = await start({ ...common, devices: 1, firstSerial: 601, baseAddress: '127.200.0.1' });
  const credentials = await start({ ...common, devices: 1, firstSerial: 901, baseAddress: '127.236.0.1' });

  const bakeries = await start({ ...common, devices: policySites.length, firstSerial: 801, baseAddress: '127.244.0.1' });

  const tenantName = 'Contoso Pharmacies';
  /** A site's box in service: online, and what it runs on record as its version 1. */
  const deviceInService = (box: SimulatedDevice, site: InServiceSite, configuration: string) => ({
    role: 'primary' as const, hostname: site.hostname, model: box.identity.model, platform: 'junos', serial: box.serial, status: 'online' as const,
    managementAddress: box.identity.address, netconfPort: ports.netconfPort, snmpPort: ports.snmpPort,
    hostKeySha256: box.hostKeySha256, softwareVersion: box.softwareVersion(),
    configVersions: { create: { version: 1, source: 'manual' as const, content: configuration, sha256: createHash('sha256').update(configuration).digest('hex') } },
  });
  return {
    workerEnv: {
      DEVICE_USERNAME: deviceCredentials.username,
      DEVICE_PASSWORD: deviceCredentials.password,
      DEVICE_SNMP_COMMUNITY: deviceCredentials.community,
      // One poller shard reading every 2 s: a degraded link shows within a few seconds.
      TELEMETRY_SHARDS: '1',
      TELEMETRY_PROBE_INTERVAL_MS: '2000',
      // Drift reconciliation every 2 s: a change made by hand at a box shows within seconds.
      DRIFT_RECONCILE_INTERVAL_SECONDS: '2',
    },
    specEnv: {
      E2E_FACTORY_SERIALS: [...factory.devices.keys()].join(','),
      E2E_FACTORY_CONTROL_URL: factory.controlUrl,
      E2E_CARTON_SERIALS: [...cartons.devices.keys()].join(','),
      E2E_CARTON_CONTROL_URL: cartons.controlUrl,
      E2E_FLEET_TENANT: tenantName,
      E2E_FLEET_SITES: sites.map((site) => site.name).join(','),
      E2E_FLEET_SERIALS: [...inService.devices.keys()].slice(0, sites.length).join(','),
      E2E_FLEET_CONTROL_URL: inService.controlUrl,
      E2E_FLEET_IMAGE: `${model} ${targetVersion}`,
      E2E_UPGRADE_PILOT_TAG: upgradePilotTag,
      E2E_UPGRADE_PILOT_SITES: upgradePilotSites.map((site) => site.name).join(','),
      E2E_SLA_SITE: slaSite.name,
      E2E_SLA_SERIAL: [...inService.devices.keys()][inServiceSites.indexOf(slaSite)]!,
      E2E_CONFIGURATION_SITE: configurationSite.name,
      E2E_CONFIGURATION_SERIAL: [...configuration.devices.keys()][0]!,
      E2E_CONFIGURATION_CONTROL_URL: configuration.controlUrl,
      E2E_UCPE_SITE: ucpeSite.name,
      E2E_UCPE_SERIAL: [...ucpe.devices.keys()][0]!,
      E2E_UCPE_CONTROL_URL: ucpe.controlUrl,
      E2E_SERVICE_TEMPLATE: serviceTemplate,
      E2E_SITE_PAGE_SERIAL: [...sitePage.devices.keys()][0]!,
      E2E_SITE_PAGE_CONTROL_URL: sitePage.controlUrl,
      E2E_ALARM_SITE: alarmSite.name,
      E2E_ALARM_SERIAL: [...alarming.devices.keys()][0]!,
      E2E_ALARM_CONTROL_URL: alarming.controlUrl,
      E2E_CREDENTIALS_SITE: credentialSite.name,
      E2E_DEVICE_LOGIN: [deviceCredentials.username, deviceCredentials.password, deviceCredentials.community].join(','),
      E2E_POLICY_TENANT: policyTenant,
      E2E_POLICY_SITES: policySites.map((site) => site.name).join(','),
    },
    async seed(prisma, dataDir) {
      const opco = await prisma.opCo.findFirstOrThrow({ orderBy: { createdAt: 'asc' } });
      const tenant = await prisma.tenant.create({ data: { opcoId: opco.id, name: tenantName, slug: 'contoso-pharmacies' } });
      const boxes = [...inService.devices.values(), ...configuration.devices.values(), ...ucpe.devices.values(), ...alarming.devices.values(), ...credentials.devices.values()];
      for (const [index, site] of [...inServiceSites, configurationSite, ucpeSite, alarmSite, credentialSite].entries()) {
        const box = boxes[index]!;
        // In service means configured: the box runs its branch configuration, and the inventory
        // holds it as the device's last version (what an RMA gives the replacement).
        const configuration = junosRenderer.stage2({
          hostname: site.hostname, loopback: `10.255.49.${index + 1}/32`, tunnels: [],
          wanLinks: (site.wanLinks ?? [{ name: 'internet', interfaceName: 'ge-0/0/0' }]).map((link) => ('staticAddress' in link && link.staticAddress
            ? { name: link.name, interfaceName: link.interfaceName, address: link.staticAddress, gateway: link.gateway!, dnsServers: link.dnsServers! }
            : { name: link.name, interfaceName: link.interfaceName, address: 'dhcp' })),
          lanSegments: [{ name: 'shop', vlanId: 10, gateway: `10.49.${index + 1}.1/24`, dhcp: true }],
          // The site's DNS servers, from its static links: what a DHCP link's probe aims at.
          dnsServers: (site.wanLinks ?? []).flatMap((link) => ('dnsServers' in link ? link.dnsServers ?? [] : [])),
        });
        box.store.reset(configuration);
        const created = await prisma.site.create({
          data: {
            tenantId: tenant.id, name: site.name, status: 'active', timezone: site.timezone, country: site.country, tags: site.tags ?? [],
            devices: { create: deviceInService(box, site, configuration) },
          },
          include: { devices: { select: { id: true } } },
        });
        if (site.wanLinks) {
          await prisma.wanLink.createMany({ data: site.wanLinks.map((link) => ({ ...link, siteId: created.id, deviceId: created.devices[0]!.id })) });
        }
      }
      // The bakeries: their boxes run their branch configuration with the Staff segment, on record as version 1.
      const fabrikam = await prisma.tenant.create({ data: { opcoId: opco.id, name: policyTenant, slug: 'fabrikam-bakeries' } });
      for (const [index, site] of policySites.entries()) {
        const box = [...bakeries.devices.values()][index]!;
        const segment = { name: 'staff', vlanId: 10, gateway: `10.244.${index + 1}.1/24`, dhcp: true, department: 'Staff' };
        const configuration = junosRenderer.stage2({
          hostname: site.hostname, loopback: `10.255.244.${index + 1}/32`, tunnels: [], wanLinks: [{ name: 'internet', interfaceName: 'ge-0/0/0', address: 'dhcp' }], lanSegments: [segment],
        });
        box.store.reset(configuration);
        const created = await prisma.site.create({
          data: {
            tenantId: fabrikam.id, name: site.name, status: 'active', timezone: site.timezone, country: site.country,
            departments: { create: { name: 'Staff' } },
            devices: { create: deviceInService(box, site, configuration) },
          },
          include: { departments: true },
        });
        await prisma.lanSegment.create({ data: { siteId: created.id, departmentId: created.departments[0]!.id, name: segment.name, vlanId: segment.vlanId, prefix: `10.244.${index + 1}.0/24` } });
      }

      // The API serves images from DATA_DIR/images: the image goes where it will look.
      const stored = await new ImageStore(join(dataDir, 'images')).add(simulatorImage(model, targetVersion));
      const image = await prisma.firmwareImage.create({
        data: { model, version: targetVersion, sha256: stored.sha256, sizeBytes: stored.sizeBytes, fileName: `${model}-${targetVersion}.img` },
      });
      await prisma.tenantTargetImage.create({ data: { tenantId: tenant.id, model, imageId: image.id } });

      // The VNF catalogue, and the tenant's template chaining a firewall then a router.
      const images = new ImageStore(join(dataDir, 'images'));
      const functions = [];
      for (const vnf of vnfPackages) {
        const vnfImage = await images.add(simulatorVnfImage(vnf.product, '1.0', 1));
        const created = await prisma.vnfPackage.create({
          data: {
            vendor: 'Juniper Networks', name: vnf.product, version: '1.0', type: vnf.type,
            descriptor: {
              imageSha256: vnfImage.sha256,
              flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'medium', vcpus: 2, memoryMiB: 2048, diskGiB: 8 }, { name: 'large', vcpus: 4, memoryMiB: 8192, diskGiB: 16 }],
              interfaces: [{ name: 'eth2', role: 'left' }, { name: 'eth3', role: 'right' }],
              day1: {
                template: `<configuration><system><host-name>{{hostName}}</host-name></system></configuration>`,
                parameters: vnf.parameters,
              },
              healthCheck: { oid: '1.3.6.1.2.1.1.3.0', holds: 'answers', intervalSeconds: 5, timeoutSeconds: 2, failuresBeforeUnhealthy: 1 },
              scaling: {},
            },
          },
        });
        functions.push({ packageId: created.id, flavour: 'small', leftInterface: 'eth2', rightInterface: 'eth3' });
      }
      await createTemplate(prisma, { tenantId: tenant.id, name: serviceTemplate, description: 'A firewall, then a router', functions });
    },
    async stop() {
      await Promise.allSettled(started.map((fleet) => fleet.stop()));
    },
  };
}
