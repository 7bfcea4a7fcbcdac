// A device's runs: one upgrade now (`upgrade-device/<deviceId>`; a second request joins the run
// under way), a rotation of its credentials (`credential-rotation/<deviceId>`; joined likewise) and
// its replacement, RMA (`rma/<deviceId>`; refused while one runs, since each
// replacement has its own new box and proof).
//
// How the new box proves itself. Through REST (the RMA wizard), the operator may ask for a one-time
// activation code: the answer shows it once, and only its hash enters the run. Through ITSM it may
// not: a change request's answer is replayed to every resend of the ticket and kept in the change
// request log, a ticket's notes are read by everyone who reads the ticket, and a code sent in a
// callback would sit in plain text in the event and delivery tables until delivered. So an ITSM
// RMA names a spare that has phoned home already (the field engineer powers it on, it waits among
// the unclaimed devices) and the run admits it by the SSH host key it reported: nothing secret ever
// crosses ITSM, a resend replays nothing that matters, and a box that did not phone home is refused.
import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { replaceableDeviceStatuses } from '../../domain/choices.ts';
import { portMapping, replacementModels } from '../../domain/device-models.ts';
import type { ObjectType } from '../../domain/permissions.ts';
import { renderers } from '../../domain/render/renderers.ts';
import type { rma } from '../../workflows/rma.ts';
import type { rotateCredentials } from '../../workflows/rotate-credentials.ts';
import { credentialRotationWorkflowId } from '../../workflows/rotate-credentials.messages.ts';
import { rmaWorkflowId } from '../../workflows/rma.messages.ts';
import type { upgradeDevice } from '../../workflows/upgrade-device.ts';
import { upgradeDeviceWorkflowId } from '../../workflows/upgrade-device.messages.ts';
import type { Principal } from '../access/principal.ts';
import { problems } from '../problems.ts';
import type { rmaRequest } from '../schemas/rma.ts';
import { activationCodeHash, namableBoxes } from '../site-inventory.ts';
import { auditStart, describeRun, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { credentialRotationProgressUrl, rmaProgressUrl, temporalRunLink, upgradeProgressUrl } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

async function deviceToRun(deps: RunDependencies, principal: Principal, deviceId: string, objectType: ObjectType) {
  const device = await deps.prisma.device.findUnique({ where: { id: deviceId }, include: { site: { select: { tenantId: true, name: true, status: true } } } });
  principal.assert(device?.site.tenantId, objectType, 'execute', `Device ${deviceId}`);
  return device!;
}

export interface DeviceUpgradeRequest {
  deviceId: string;
  /** By default the tenant's target image for the device's model. */
  imageId?: string | undefined;
  ticket?: string | undefined;
}

export interface DeviceRunStarted {
  workflowId: string;
  runId: string;
  started: boolean;
  progressUrl: string;
  temporalUiUrl?: string;
}

/** Upgrades one provisioned device to a catalogue image. */
export async function startDeviceUpgrade(deps: RunDependencies, origin: Origin, request: DeviceUpgradeRequest): Promise<DeviceRunStarted> {
  const { prisma } = deps;
  const device = await deviceToRun(deps, origin.principal, request.deviceId, 'device');
  const workflowId = upgradeDeviceWorkflowId(device.id);
  const answer = (runId: string, started: boolean): DeviceRunStarted => ({
    workflowId, runId, started, progressUrl: upgradeProgressUrl(device.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId: device.site.tenantId, ticket: request.ticket, kind: 'device_upgrade', workflowId });
  if (earlier) return answer(earlier.runId ?? '', false);
  if (!device.serial || !device.managementAddress) throw problems.conflict(`${device.hostname} has never been provisioned: there is nothing to upgrade yet.`);
  const image = request.imageId
    ? await prisma.firmwareImage.findUnique({ where: { id: request.imageId } })
    : (await prisma.tenantTargetImage.findUnique({ where: { tenantId_model: { tenantId: device.site.tenantId, model: device.model } }, include: { image: true } }))?.image;
  if (!image) throw problems.validation([{ path: 'imageId', message: request.imageId ? 'no such image in the catalogue' : `the tenant has no target image for ${device.model}: name one` }]);
  if (image.model !== device.model) throw problems.validation([{ path: 'imageId', message: `that image is for ${image.model}; ${device.hostname} is a ${device.model}` }]);
  const { runId, started } = await launch(deps.temporal, workflowId, 'join', () => deps.temporal.workflow.start<typeof upgradeDevice>('upgradeDevice', {
    ...startOptions(workflowId, { tenantId: device.site.tenantId, siteId: device.siteId, deviceSerials: [device.serial!], ticket: request.ticket }),
    args: [{ deviceId: device.id, image: { model: image.model, version: image.version, sha256: image.sha256, sizeBytes: Number(image.sizeBytes) } }],
  }), { prisma, tenantId: device.site.tenantId, ticket: request.ticket, kind: 'device_upgrade' });
  if (started) {
    await auditStart(deps, origin, {
      action: 'device.upgrade.start', objectType: 'device', objectId: device.id, tenantId: device.site.tenantId,
      after: { version: image.version, workflowId, ...(request.ticket ? { ticket: request.ticket } : {}) },
    });
  }
  return answer(runId, started);
}

export interface CredentialRotationRequest {
  deviceId: string;
  ticket?: string | undefined;
}

/**
 * Gives a device a new NETCONF login and retires the old one. Who starts it needs to run
 * operations on the device and on its tenant's credentials: the run writes both.
 */
export async function startCredentialRotation(deps: RunDependencies, origin: Origin, request: CredentialRotationRequest): Promise<DeviceRunStarted> {
  const { prisma } = deps;
  const device = await deviceToRun(deps, origin.principal, request.deviceId, 'device');
  const tenantId = device.site.tenantId;
  origin.principal.assert(tenantId, 'credential', 'execute', `The credentials of device ${device.id}`);
  const workflowId = credentialRotationWorkflowId(device.id);
  const answer = (runId: string, started: boolean): DeviceRunStarted => ({
    workflowId, runId, started, progressUrl: credentialRotationProgressUrl(device.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId, ticket: request.ticket, kind: 'credential_rotation', workflowId });
  if (earlier) return answer(earlier.runId ?? '', false);
  if (!device.serial || !device.managementAddress) throw problems.conflict(`${device.hostname} has never been provisioned: it has no login to rotate yet.`);
  if (!renderers.supports(device.platform)) throw problems.conflict(`Branchline has no configuration templates for ${device.hostname}'s platform (${device.platform}): its logins cannot be rotated.`);
  const { runId, started } = await launch(deps.temporal, workflowId, 'join', () => deps.temporal.workflow.start<typeof rotateCredentials>('rotateCredentials', {
    ...startOptions(workflowId, { tenantId, siteId: device.siteId, deviceSerials: [device.serial!], ticket: request.ticket }),
    args: [{ deviceId: device.id, ...(request.ticket ? { ticket: request.ticket } : {}) }],
  }), { prisma, tenantId, ticket: request.ticket, kind: 'credential_rotation' });
  if (started) {
    await auditStart(deps, origin, {
      action: 'device.credentials.rotation.start', objectType: 'device', objectId: device.id, tenantId,
      after: { workflowId, ...(request.ticket ? { ticket: request.ticket } : {}) },
    });
  }
  return answer(runId, started);
}

export type ReplacementRequest = z.infer<typeof rmaRequest> & { deviceId: string };

export interface ReplacementStarted extends DeviceRunStarted {
  rmaId: string;
  /** Shown to the request that started the run, and never again; none for a spare admitted by its host key. */
  activationCode: string | null;
}

/** Replaces a failed device in service with a new box: same identity and configuration, new hardware. */
export async function startReplacement(deps: RunDependencies, origin: Origin, request: ReplacementRequest): Promise<ReplacementStarted> {
  const { prisma } = deps;
  const device = await deviceToRun(deps, origin.principal, request.deviceId, 'rma');
  const tenantId = device.site.tenantId;
  const workflowId = rmaWorkflowId(device.id);
  const answer = (rmaId: string, runId: string, started: boolean, activationCode: string | null): ReplacementStarted => ({
    rmaId, workflowId, runId, started, activationCode, progressUrl: rmaProgressUrl(device.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId, ticket: request.ticket, kind: 'rma', workflowId });
  if (earlier) {
    // A spare's replacement is answered again; a code's cannot be, so the ticket sent again is refused.
    const rmaId = request.admitBy === 'host_key' ? await rmaIdOf(deps, workflowId, earlier.runId) : undefined;
    if (!rmaId) {
      throw problems.conflict(
        `Ticket ${request.ticket} started the replacement of ${device.hostname} already. A replacement by activation code is not answered twice, since its code is shown once: follow that run, or abort it and send a new ticket.`,
        { workflowId },
      );
    }
    return answer(rmaId, earlier.runId ?? '', false, null);
  }
  if (!device.serial || !replaceableDeviceStatuses.has(device.status)) {
    throw problems.conflict(`${device.hostname} is ${device.status}: only a device in service is replaced.`, { deviceStatus: device.status });
  }
  if (device.site.status !== 'active') throw problems.conflict(`${device.site.name} is ${device.site.status}: a device is replaced at a site in service.`, { siteStatus: device.site.status });
  const newModel = request.newModel ?? device.model;
  if (!portMapping(device.model, newModel)) {
    const allowed = [device.model, ...(replacementModels[device.model] ?? []).map((r) => r.model)].join(' or ');
    throw problems.validation([{ path: 'newModel', message: `a ${newModel} cannot replace a ${device.model}: send a ${allowed}` }]);
  }
  if (request.newSerial === device.serial) throw problems.validation([{ path: 'newSerial', message: 'is the failed box\'s serial: give the new box\'s' }]);
  // Only among the device's own tenant: another tenant's serial answers as an unknown one does
  // (the replacement then waits for a box that never phones home with its code).
  if (await prisma.device.findFirst({ where: { serial: request.newSerial, site: { tenantId } }, select: { id: true } })) {
    throw problems.validation([{ path: 'newSerial', message: 'belongs to another device already' }]);
  }
  // How the new box will prove itself: a spare by the host key it reported, any other by a new
  // one-time code, of which only the hash enters the run.
  let activationCode: string | null = null;
  let proof: { hostKeySha256: string } | { activationCodeHash: string };
  if (request.admitBy === 'host_key') {
    proof = await spareThatPhonedHome(deps, request.newSerial, newModel, tenantId);
  } else {
    activationCode = randomBytes(9).toString('base64url');
    proof = { activationCodeHash: activationCodeHash(activationCode) };
  }
  const rmaId = randomUUID();
  const refusal = problems.conflict(`${device.hostname} is being replaced already: follow that run, or abort it first.`, { workflowId });
  const { runId } = await launch(deps.temporal, workflowId, { refuse: refusal }, () => deps.temporal.workflow.start<typeof rma>('rma', {
    ...startOptions(workflowId, { tenantId, siteId: device.siteId, deviceSerials: [device.serial!, request.newSerial], ticket: request.ticket }),
    // The request sent again with its ticket finds the replacement's id here.
    memo: { rmaId },
    args: [{
      rmaId, deviceId: device.id, newSerial: request.newSerial, ...proof,
      phoneHomeWithin: `${request.phoneHomeWithinMinutes} minutes`,
      ...(request.newModel && request.newModel !== device.model ? { newModel: request.newModel } : {}),
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.ticket ? { ticket: request.ticket } : {}),
    }],
  }), { prisma, tenantId, ticket: request.ticket, kind: 'rma' });
  await auditStart(deps, origin, {
    action: 'device.rma.start', objectType: 'device', objectId: device.id, tenantId,
    before: { serial: device.serial, model: device.model },
    after: { serial: request.newSerial, model: newModel, admitBy: request.admitBy, reason: request.reason ?? null, rmaId, workflowId, ...(request.ticket ? { ticket: request.ticket } : {}) },
  });
  return answer(rmaId, runId, true, activationCode);
}

/** The unclaimed box a spare's serial names, which must have phoned home as the model it replaces with. */
async function spareThatPhonedHome(deps: RunDependencies, serial: string, model: string, tenantId: string): Promise<{ hostKeySha256: string }> {
  const box = await deps.prisma.unclaimedDevice.findFirst({ where: { serial, ...namableBoxes(tenantId) } });
  if (!box?.hostKeySha256) {
    throw problems.validation([{ path: 'newSerial', message: 'has not phoned home: only a spare listed among the unclaimed devices is admitted by its host key; any other box needs a one-time activation code (admitBy activation_code, through the API or the RMA wizard, never ITSM)' }]);
  }
  if (box.model !== model) throw problems.validation([{ path: 'newModel', message: `is ${model}, but the spare ${serial} phoned home as a ${box.model}` }]);
  return { hostKeySha256: box.hostKeySha256 };
}

/** A replacement's id: in its run's memo, or (a run started before memos) in the newest record the run opened. */
async function rmaIdOf(deps: RunDependencies, workflowId: string, runId: string | null): Promise<string | undefined> {
  const run = runId ? await describeRun(deps.temporal, workflowId, runId) : undefined;
  const memo = run?.memo?.['rmaId'];
  if (typeof memo === 'string') return memo;
  return (await deps.prisma.rmaRecord.findFirst({ where: { workflowId }, orderBy: { openedAt: 'desc' }, select: { id: true } }))?.id;
}
