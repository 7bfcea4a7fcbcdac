// The device activities of a VNF's lifecycle: its image onto the uCPE (as firmware is staged,
// skipped when its sha256 is there already), the host's report of it, start / stop / restart, an
// image removed once no VNF uses it, day-1 configuration on the VNF's own NETCONF (a device of its
// own, by confirmed commit) and the package's health check over the VNF's own SNMP.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../../domain/failure-types.ts';
import type { ServiceChainPath } from '../../domain/network-service.ts';
import type { DeviceTarget } from '../../domain/site-plan.ts';
import type { VnfHealthCheck } from '../../domain/vnf-catalogue.ts';
import { credentialsBox } from '../../inventory/credentials.ts';
import { credentialsOnRecord, failingAsDeviceErrors, heartbeating, type DeviceActivityDependencies } from './activities.ts';
import { applyConfiguration } from './change.ts';
import type { DeviceDriver, HostedVnf, VnfHostOperations } from './drivers/contract.ts';
import { driverFor } from './drivers/registry.ts';
import { snmpTarget } from './drivers/targets.ts';
import { DeviceError } from './errors.ts';

/** A VNF's guest as a device of its own: the host's platform, ports and credentials, at the guest's address. */
export interface VnfGuestTarget {
  host: DeviceTarget;
  name: string;
  address: string;
}

export interface VnfHealthReading {
  healthy: boolean;
  /** What the host says of the VNF (absent: not defined there). */
  state: string | null;
  address: string | null;
  /** Why it is not healthy. */
  reason?: string;
}

/** Whether the reading holds what the package's health check asks of it. */
export function healthHolds(check: VnfHealthCheck, value: unknown): boolean {
  switch (check.holds) {
    case 'answers':
      return value !== undefined && value !== null;
    case 'equals':
      return String(value) === check.value;
    case 'above':
      return Number(value) > Number(check.value);
  }
}

export function createVnfDeviceActivities(deps: Pick<DeviceActivityDependencies, 'prisma' | 'transports' | 'credentials' | 'secretsKey' | 'imageBaseUrl'>) {
  const { prisma, transports, credentials } = deps;
  const box = credentialsBox(deps.secretsKey);
  const driver = async (target: DeviceTarget): Promise<DeviceDriver> =>
    driverFor({ ...target, ...(await credentialsOnRecord(prisma, box, target.deviceId) ?? credentials) }, transports);
  const vnfHost = async (target: DeviceTarget): Promise<VnfHostOperations> => {
    const host = (await driver(target)).vnfHost;
    if (!host) throw ApplicationFailure.nonRetryable(`${target.serial} (${target.platform}) hosts no virtual network functions.`, failureTypes.deviceRejected);
    return host;
  };
  // The guest answers to the host's credentials; its host key is its own, first seen now (a re-created guest has a new one).
  const guestDriver = (guest: VnfGuestTarget) => driver({ ...guest.host, serial: `${guest.host.serial}/${guest.name}`, host: guest.address, hostKeySha256: undefined } as DeviceTarget);
  const find = async (target: DeviceTarget, name: string): Promise<HostedVnf | undefined> => (await (await vnfHost(target)).report()).vnfs.find((v) => v.name === name);

  return {
    /** The package's image into /var/public on the uCPE, checked by sha256 there; not copied again when it is there whole. */
    async stageVnfImage(input: { target: DeviceTarget; sha256: string; path: string }): Promise<{ copied: boolean }> {
      return failingAsDeviceErrors(() => heartbeating(async () => (await vnfHost(input.target)).copyImage({
        url: `${deps.imageBaseUrl}/api/v1/images/${input.sha256}`, path: input.path, sha256: input.sha256,
      })));
    },

    /** The VNF as its host reports it (null: not defined there). */
    async readVnf(input: { target: DeviceTarget; name: string }): Promise<HostedVnf | null> {
      return failingAsDeviceErrors(async () => (await find(input.target, input.name)) ?? null);
    },

    async controlVnf(input: { target: DeviceTarget; name: string; action: 'start' | 'stop' | 'restart' }): Promise<void> {
      return failingAsDeviceErrors(async () => (await vnfHost(input.target)).request(input.name, input.action));
    },

    /**
     * Waits until the host reports the VNF running and its guest answers SNMP; answers the guest's
     * address. A VNF in error (boot failed, no room) fails at once, for good, with the host's reason.
     * `gone`: waits instead until the host no longer has it.
     */
    async waitForVnf(input: { target: DeviceTarget; name: string; waitUpToSeconds: number; gone?: boolean }): Promise<{ address: string | null }> {
      return failingAsDeviceErrors(() => heartbeating(async () => {
        const until = Date.now() + input.waitUpToSeconds * 1000;
        const signal = Context.current().cancellationSignal;
        let last: HostedVnf | undefined;
        for (;;) {
          last = await find(input.target, input.name).catch(() => last);
          if (input.gone && !last) return { address: null };
          if (!input.gone && last?.state === 'error') {
            throw ApplicationFailure.nonRetryable(`${input.name} on ${input.target.serial} did not start: ${last.error ?? 'in error'}`, failureTypes.vnfBootFailed, { name: input.name, reason: last.error });
          }
          if (!input.gone && last?.state === 'running' && last.address) {
            const answers = await transports.snmp.get(snmpTarget({ ...(await guestDriver({ host: input.target, name: input.name, address: last.address })).connection }), ['1.3.6.1.2.1.1.3.0'])
              .then(() => true, () => false);
            if (answers) return { address: last.address };
          }
          if (Date.now() > until) {
            throw ApplicationFailure.nonRetryable(
              input.gone ? `${input.name} is still on ${input.target.serial} after ${input.waitUpToSeconds} s` : `${input.name} on ${input.target.serial} is not up after ${input.waitUpToSeconds} s (${last?.state ?? 'not defined'})`,
              failureTypes.vnfBootFailed, { name: input.name, state: last?.state ?? null },
            );
          }
          await sleep(250, undefined, { signal });
        }
      }));
    },

    /** The path a flow entering the chain on `vlan` takes, hop by hop, as the uCPE reports it. */
    async readServiceChainPath(input: { target: DeviceTarget; vlan: string }): Promise<ServiceChainPath> {
      return failingAsDeviceErrors(async () => (await vnfHost(input.target)).servicePath(input.vlan));
    },

    /** Removes the image from the uCPE unless a VNF there still uses it. */
    async deleteVnfImageIfUnused(input: { target: DeviceTarget; path: string }): Promise<{ deleted: boolean }> {
      return failingAsDeviceErrors(async () => (await vnfHost(input.target)).deleteImageIfUnused(input.path));
    },

    /**
     * Day-1 configuration on the VNF's own NETCONF, by confirmed commit (merged, named by `persist`
     * so a retry finishes rather than repeats it). Not a configuration version of the uCPE: the
     * instance's day-1 parameters are its record.
     */
    async configureVnf(input: { guest: VnfGuestTarget; config: string; persist: string }): Promise<{ changed: boolean }> {
      return failingAsDeviceErrors(() => heartbeating(async () => {
        const { changed } = await applyConfiguration(await guestDriver(input.guest), {
          config: input.config, mode: 'merge', persist: input.persist, checks: [], confirmTimeoutSeconds: 120,
        }, (message, details) => Context.current().log.warn(message, { ...details, vnf: input.guest.name }));
        return { changed };
      }));
    },

    /**
     * The package's health check: the host's word on the VNF, then the object it names read over
     * the guest's SNMP within its timeout. Answers unhealthy (never fails) when the VNF does not
     * hold; fails only when the host itself does not answer.
     */
    async checkVnfHealth(input: { target: DeviceTarget; name: string; check: VnfHealthCheck }): Promise<VnfHealthReading> {
      return failingAsDeviceErrors(async () => {
        const vnf = await find(input.target, input.name);
        if (!vnf) return { healthy: false, state: null, address: null, reason: `${input.name} is not defined on ${input.target.serial}` };
        const seen = { state: vnf.state, address: vnf.address || null };
        if (vnf.state !== 'running' || !vnf.address) return { healthy: false, ...seen, reason: `the host reports ${input.name} ${vnf.state}${vnf.error ? ` (${vnf.error})` : ''}` };
        const guest = await guestDriver({ host: input.target, name: input.name, address: vnf.address });
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new DeviceError('timeout', `no answer within ${input.check.timeoutSeconds} s`)), input.check.timeoutSeconds * 1000).unref());
        try {
          const [reading] = await Promise.race([transports.snmp.get(snmpTarget(guest.connection), [input.check.oid]), timeout]);
          if (healthHolds(input.check, reading?.value)) return { healthy: true, ...seen };
          return { healthy: false, ...seen, reason: `${input.check.oid} is ${String(reading?.value)}, which does not hold (${input.check.holds} ${input.check.value ?? ''})`.trim() };
        } catch (error) {
          return { healthy: false, ...seen, reason: `${input.check.oid} unanswered: ${(error as Error).message}` };
        }
      });
    },
  };
}

export type VnfDeviceActivities = ReturnType<typeof createVnfDeviceActivities>;
