// The fleet: many simulated devices in one process, each on its own loopback address, and the
// control API that tests and demos use to change their world.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { formatIpv4, parseIpv4 } from '../domain/ipv4.ts';
import { elementChildren, parseXml } from '../activities/devices/netconf/xml.ts';
import { impairmentShape, probeNoise } from './impairments.ts';
import { SimulatedDevice, newIdentity, simulatorImage, withCredentials, type DeviceState, type ManagementCredentials } from './device.ts';
import { deviceModel } from '../domain/device-models.ts';
import { simulatorVnfImage } from './vnf-host.ts';

export interface FleetOptions {
  devices: number;
  /** The first device's address; the others follow (addresses ending in .0 or .255 are skipped). */
  baseAddress: string;
  snmpPort: number;
  netconfPort: number;
  /** 0: any free port. */
  controlPort: number;
  /** The control API's address: 127.0.0.1 unless said. */
  controlHost?: string;
  models: string[];
  /** The first device's serial number (1: BLS0000001), so two fleets side by side have serials of their own. */
  firstSerial?: number;
  stateFile?: string;
  phoneHomeUrl?: string;
  phoneHomeIntervalMs: number;
  /** Boxes still in their cartons: they start powered off, so they phone home only once powered on. */
  poweredOff?: boolean;
  /**
   * A tunnel's peer that is none of this fleet's boxes is up (the boxes are split over several
   * simulator processes, the peer in another); without it, such a tunnel is down, as to a box
   * nobody runs.
   */
  outsidePeersUp?: boolean;
  callHome?: { host: string; port: number; retryMs: number };
  trapReceiver?: { host: string; port: number };
  rebootMs: number;
  /**
   * What every device answers to, also those restored from the state file (these win over the
   * saved ones). Default: admin, a random password per fleet, community branchline.
   */
  credentials?: ManagementCredentials;
  /**
   * Universal CPEs' guests: the first guest address, each uCPE taking the next `vnfAddressesPerHost`
   * (default 8) in turn; and how long a guest boots (default 1 s).
   */
  vnfGuests?: { baseAddress: string; addressesPerHost?: number; bootMs?: number };
}

export const defaultCredentials = { username: 'admin', community: 'branchline' } as const;

/** Loopback addresses for `count` devices from `base` on, none ending in .0 or .255. */
export function deviceAddresses(base: string, count: number): string[] {
  const first = parseIpv4(base);
  if (first === undefined) throw new Error(`${base} is not an IPv4 address`);
  const addresses: string[] = [];
  for (let n = first; addresses.length < count; n++) {
    const last = n & 255;
    if (last === 0 || last === 255) continue;
    const address = formatIpv4(n);
    if (!address.startsWith('127.')) throw new Error(`${count} devices from ${base} leave 127.0.0.0/8`);
    addresses.push(address);
  }
  return addresses;
}

export const serialOf = (index: number) => `BLS${String(index + 1).padStart(7, '0')}`;

export class Fleet {
  readonly devices = new Map<string, SimulatedDevice>();
  private readonly byAddress = new Map<string, SimulatedDevice>();
  private control: Server | undefined;
  controlUrl = '';
  private saveTimer: NodeJS.Timeout | undefined;
  /**
   * Each box's state as saved, kept until the box changes: a change costs its own box's
   * serialisation, as a real box's commit costs that box alone. Serialising every box on each
   * change blocked the one event loop that serves them all for a third of a second at 1000 boxes,
   * several times a second while links were impaired, and every SSH handshake waited behind it.
   */
  private readonly savedStates = new Map<string, string>();
  private readonly changedSince = new Set<string>();

  private constructor(private readonly options: FleetOptions) {}

  static async start(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    const saved = options.stateFile && existsSync(options.stateFile)
      ? (JSON.parse(readFileSync(options.stateFile, 'utf8')) as { devices: DeviceState[] }).devices
      : [];
    const given = options.credentials;
    const credentials = given ?? { ...defaultCredentials, password: randomBytes(9).toString('base64url') };
    const addresses = deviceAddresses(options.baseAddress, options.devices);
    const guests = options.vnfGuests;
    const perHost = guests?.addressesPerHost ?? 8;
    let hosts = 0;
    for (const [index, address] of addresses.entries()) {
      const serial = serialOf(index + (options.firstSerial ?? 1) - 1);
      const restored = saved.find((s) => s.identity.serial === serial);
      const state: Partial<DeviceState> = restored
        ? { ...restored, identity: given ? withCredentials(restored.identity, given) : restored.identity }
        : {
          identity: newIdentity({
            serial, address, model: options.models[index % options.models.length]!,
            snmpPort: options.snmpPort, netconfPort: options.netconfPort, ...credentials,
          }),
          ...(options.poweredOff ? { powered: false } : {}),
        };
      const device = new SimulatedDevice(state.identity!, state, {
        rebootMs: options.rebootMs,
        phoneHomeUrl: options.phoneHomeUrl,
        phoneHomeIntervalMs: options.phoneHomeIntervalMs,
        callHome: options.callHome,
        trapReceiver: options.trapReceiver,
        peerIsUp: (peer) => fleet.byAddress.get(peer)?.powered ?? options.outsidePeersUp === true,
        onChange: () => {
          fleet.changedSince.add(serial);
          fleet.scheduleSave();
        },
        ...(guests && deviceModel(state.identity!.model)?.vnfHost
          ? { vnfGuests: { addresses: deviceAddresses(guests.baseAddress, perHost * ++hosts).slice(-perHost), bootMs: guests.bootMs ?? 1000 } }
          : {}),
      });
      fleet.devices.set(serial, device);
      fleet.byAddress.set(device.identity.address, device);
    }
    // Serialised once now, so the first change does not pay for the whole fleet.
    if (options.stateFile) for (const [serial, device] of fleet.devices) fleet.savedStates.set(serial, JSON.stringify(device.toState()));
    await fleet.eachDevice((device) => device.start());
    await fleet.startControl();
    return fleet;
  }

  device(serial: string): SimulatedDevice | undefined {
    return this.devices.get(serial);
  }

  private scheduleSave() {
    if (!this.options.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 200);
  }

  /** Saves the boxes changed since the last save (`all`: every box, whatever it says). */
  save(all = false) {
    const file = this.options.stateFile;
    if (!file) return;
    for (const [serial, device] of this.devices) {
      if (all || this.changedSince.has(serial) || !this.savedStates.has(serial)) this.savedStates.set(serial, JSON.stringify(device.toState()));
    }
    this.changedSince.clear();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `{"devices":[${[...this.devices.keys()].map((serial) => this.savedStates.get(serial)).join(',')}]}`);
    renameSync(`${file}.tmp`, file);
  }

  private async startControl() {
    const app = express();
    app.use(express.json());
    const withDevice = (handler: (device: SimulatedDevice, req: Request, res: Response) => Promise<unknown> | unknown) =>
      async (req: Request, res: Response) => {
        const device = this.devices.get(String(req.params['serial']));
        if (!device) return res.status(404).json({ title: 'Not found', detail: `no device ${String(req.params['serial'])}` });
        try {
          const result = await handler(device, req, res);
          if (!res.headersSent) res.json(result ?? describe(device));
        } catch (error) {
          res.status(400).json({ title: 'Bad request', detail: (error as Error).message });
        }
      };
    const describe = (device: SimulatedDevice) => ({
      ...summary(device),
      links: device.links,
      faults: { ...device.faults, failNextCommit: device.store.failNextCommit },
      confirmPending: device.store.confirmPending ?? null,
      // Installed (or rolled back to), active at the next boot.
      pendingSoftwareVersion: device.pendingVersion,
      phoneHome: device.phoneHome,
      // Whether one was typed in, not the code itself: it is the installer's secret for the site.
      activationCodeSet: device.activationCode !== undefined,
      factoryDefault: device.factoryDefault,
    });
    const summary = (device: SimulatedDevice) => ({
      serial: device.serial, model: device.model, address: device.identity.address, powered: device.powered,
      softwareVersion: device.softwareVersion(), hostKeySha256: device.hostKeySha256,
    });
    const linkChange = z.object({
      latencyMs: z.number().min(0).optional(),
      jitterMs: z.number().min(0).optional(),
      lossPermille: z.number().int().min(0).max(1000).optional(),
      cut: z.boolean().optional(),
      noise: probeNoise.optional(),
    });
    const faults = z.object({
      failNextCommit: z.string().min(1).nullable().optional(),
      failNextInstall: z.string().min(1).nullable().optional(),
      wanDownOnVersion: z.string().min(1).nullable().optional(),
      storageFreeBytes: z.number().int().min(0).optional(),
      netconfReplyDelayMs: z.number().int().min(0).optional(),
      dropNetconfReplies: z.boolean().optional(),
      dropSnmp: z.boolean().optional(),
      refuseConfiguredLogins: z.boolean().optional(),
      /** The interface the management path runs through: a commit that changes its configuration cuts NETCONF off until reverted (null: none). */
      managementInterface: z.string().min(1).nullable().optional(),
      /** Simulator-only: the length of a confirm-timeout minute, so tests wait seconds for a device's own rollback. */
      confirmMinuteMs: z.number().int().min(100).max(60_000).optional(),
    });
    const handEdit = z.object({ user: z.string().regex(/^[a-z][\w.-]{0,31}$/), configuration: z.string().min(1).max(1_000_000).startsWith('<configuration') });
    const activationCode = z.object({ code: z.string().min(1).max(100).nullable() });
    const vnfFaults = z.object({
      /** This VNF's next boot fails. */
      failNextBoot: z.string().min(1).optional(),
      /** Memory something else holds on the host (out of memory). */
      memoryTakenMiB: z.number().int().min(0).optional(),
      diskFull: z.boolean().optional(),
    });
    const withHost = (handler: (host: NonNullable<SimulatedDevice['vnfHost']>, req: Request) => Promise<unknown> | unknown) =>
      withDevice(async (device, req) => {
        if (!device.vnfHost) throw new Error(`${device.serial} is a ${device.model}, which hosts no virtual network functions`);
        await handler(device.vnfHost, req);
        return device.vnfHost.describe();
      });

    app.get('/devices', (_req, res) => {
      res.json([...this.devices.values()].map(summary));
    });
    app.get('/devices/:serial', withDevice((device) => describe(device)));
    // What a vendor's download portal is to a real box: software for the simulated models, to
    // upload into the firmware catalogue.
    app.get('/images/:model/:version', (req, res) => {
      const name = z.string().regex(/^[\w.-]{1,40}$/);
      const model = name.safeParse(req.params['model']);
      const version = name.safeParse(req.params['version']);
      if (!model.success || !version.success) return res.status(400).json({ title: 'Bad request', detail: 'model and version are letters, digits, dots and dashes' });
      res.attachment(`${model.data}-${version.data}.img`).type('application/octet-stream').send(simulatorImage(model.data, version.data));
    });
    // What an NFX's host holds: its resources and their use, images in /var/public, VNFs and their state.
    app.get('/devices/:serial/vnfs', withHost(() => undefined));
    app.get('/devices/:serial/service-chain', (req, res) => {
      const device = this.devices.get(String(req.params['serial']));
      const vlan = typeof req.query['from'] === 'string' ? req.query['from'] : '';
      if (!device?.vnfHost || !vlan) {
        res.status(404).json({ error: device ? 'a uCPE and ?from=<vlan> are needed' : 'no such device' });
        return;
      }
      res.json(device.vnfHost.servicePath(vlan));
    });
    app.post('/devices/:serial/vnfs/:name/crash', withHost((host, req) => host.crash(String(req.params['name']))));
    app.post('/devices/:serial/vnfs/:name/hang', withHost((host, req) => host.hang(String(req.params['name']))));
    app.post('/devices/:serial/vnf-faults', withHost((host, req) => {
      const change = vnfFaults.parse(req.body);
      if (change.failNextBoot !== undefined) host.faults.failNextBoot.add(change.failNextBoot);
      if (change.memoryTakenMiB !== undefined) host.faults.memoryTakenMiB = change.memoryTakenMiB;
      if (change.diskFull !== undefined) host.faults.diskFull = change.diskFull;
    }));
    // A VNF vendor's download portal: images for the simulated guests (`sizeGiB`: the disk the image stands for).
    app.get('/vnf-images/:product/:version', (req, res) => {
      const name = z.string().regex(/^[\w.-]{1,40}$/);
      const product = name.safeParse(req.params['product']);
      const version = name.safeParse(req.params['version']);
      const size = z.coerce.number().int().min(1).max(512).default(1).safeParse(req.query['sizeGiB']);
      if (!product.success || !version.success || !size.success) return res.status(400).json({ title: 'Bad request', detail: 'product and version are letters, digits, dots and dashes; sizeGiB 1 to 512' });
      res.attachment(`${product.data}-${version.data}.qcow2`).type('application/octet-stream').send(simulatorVnfImage(product.data, version.data, size.data));
    });
    app.get('/devices/:serial/journal', withDevice((device) => device.store.journal));
    app.get('/devices/:serial/rpcs', withDevice((device) => device.rpcsServed));
    app.get('/devices/:serial/config', withDevice((device, _req, res) => res.type('application/xml').send(device.store.datastore('running').toString())));
    // Someone at the box's CLI: a <configuration> merged in and committed as `user` (it shows in the commit history).
    app.post('/devices/:serial/config/hand-edit', withDevice((device, req) => {
      const { user, configuration } = handEdit.parse(req.body);
      const root = parseXml(`<config>${configuration}</config>`).documentElement!;
      device.store.handEdit(user, elementChildren(root));
      return device.store.journal.at(-1);
    }));
    app.post('/devices/:serial/links/:link', withDevice((device, req) => {
      device.changeLink(String(req.params['link']), linkChange.parse(req.body));
    }));
    // Impairments over time (impairments.ts): step, ramp, oscillation, brownout, blackout.
    app.put('/devices/:serial/links/:link/impairment', withDevice((device, req) => {
      device.impairLink(String(req.params['link']), impairmentShape.parse(req.body));
    }));
    app.delete('/devices/:serial/links/:link/impairment', withDevice((device, req) => {
      device.impairLink(String(req.params['link']), undefined);
    }));
    // What a real box shows in `show security advance-policy-based-routing`: the link each steered application takes.
    app.get('/devices/:serial/application-paths', withDevice((device) => device.applicationPaths()));
    app.post('/devices/:serial/power', withDevice(async (device, req) => {
      const { on } = z.object({ on: z.boolean() }).parse(req.body);
      await (on ? device.powerOn() : device.powerOff());
    }));
    app.post('/devices/:serial/reboot', withDevice((device) => {
      void device.reboot();
    }));
    app.post('/devices/:serial/factory-reset', withDevice((device) => device.factoryReset()));
    app.post('/devices/:serial/activation-code', withDevice((device, req) => {
      const { code } = activationCode.parse(req.body);
      device.setActivationCode(code ?? undefined);
    }));
    app.post('/devices/:serial/faults', withDevice(async (device, req) => {
      const change = faults.parse(req.body);
      if (change.failNextCommit !== undefined) device.store.failNextCommit = change.failNextCommit ?? undefined;
      if (change.failNextInstall !== undefined) device.faults.failNextInstall = change.failNextInstall ?? undefined;
      if (change.wanDownOnVersion !== undefined) device.faults.wanDownOnVersion = change.wanDownOnVersion ?? undefined;
      if (change.storageFreeBytes !== undefined) device.faults.storageFreeBytes = change.storageFreeBytes;
      if (change.netconfReplyDelayMs !== undefined) device.faults.replyDelayMs = change.netconfReplyDelayMs;
      if (change.dropNetconfReplies !== undefined) device.faults.dropReplies = change.dropNetconfReplies;
      if (change.dropSnmp !== undefined) await device.setSnmpDropped(change.dropSnmp);
      if (change.refuseConfiguredLogins !== undefined) device.faults.refuseConfiguredLogins = change.refuseConfiguredLogins;
      if (change.managementInterface !== undefined) device.setManagementInterface(change.managementInterface ?? undefined);
      if (change.confirmMinuteMs !== undefined) device.faults.confirmMinuteMs = change.confirmMinuteMs;
    }));

    this.control = await new Promise<Server>((resolve, reject) => {
      const server = app.listen(this.options.controlPort, this.options.controlHost ?? '127.0.0.1', () => resolve(server));
      server.once('error', reject);
    });
    this.controlUrl = `http://${this.options.controlHost ?? '127.0.0.1'}:${(this.control.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.save(true);
    await new Promise((resolve) => (this.control ? this.control.close(resolve) : resolve(undefined)));
    await this.eachDevice((device) => device.stop());
  }

  /** A hundred devices at a time: thousands of sockets opened or closed at once would only queue in the kernel. */
  private async eachDevice(work: (device: SimulatedDevice) => Promise<void>) {
    const all = [...this.devices.values()];
    for (let i = 0; i < all.length; i += 100) await Promise.all(all.slice(i, i + 100).map(work));
  }
}
