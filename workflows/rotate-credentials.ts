// Rotating a device's NETCONF credentials (`credential-rotation/<deviceId>`), under the device's
// lease: generate a new login (an activity: the history names the rotation, never its secret) →
// add it as a login user (confirmed commit) → log in with it, in a session of its own → only then
// adopt it as the device's own credentials → remove the old login user (and any earlier rotated
// one of its lineage) → log in again.
//
// Until the new login is adopted the old one is what the inventory holds and still works: a
// failure there removes the new user again and fails the run with CredentialRotationFailed.
// After it, the device is reached with the new login; a failure to remove the old user is said.
import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials.ts';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { rotationSecretName, sameLineage } from '../domain/credential-rotation.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { secretReference } from '../domain/render/device-config.ts';
import { renderers } from '../domain/render/renderers.ts';
import { databaseActivity, deviceReadActivity } from './activity-options.ts';
import { configurationChanges } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import { Saga } from './saga.ts';
import { describeFailure, StepLog } from './steps.ts';
import {
  credentialRotationProgressQuery, type CredentialRotationProgress, type RotateCredentialsInput, type RotateCredentialsResult,
} from './rotate-credentials.messages.ts';
import { takePatchBatch } from './patches.ts';

export async function rotateCredentials(input: RotateCredentialsInput): Promise<RotateCredentialsResult> {
  takePatchBatch();
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const credentials = proxyActivities<CredentialActivities>(databaseActivity);
  const reads = proxyActivities<DeviceActivities>(deviceReadActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const steps = new StepLog([
    { name: 'generate', label: 'Generate the new login' },
    { name: 'add', label: 'Add the new login user (confirmed commit)' },
    { name: 'verify', label: 'Log in as the new user' },
    { name: 'adopt', label: 'Keep the new credentials on record' },
    { name: 'retire', label: 'Remove the old login user' },
    { name: 'check', label: 'Log in again' },
  ]);
  const progress: CredentialRotationProgress = {
    deviceId: input.deviceId, hostname: null, state: 'running', previousUsername: null, newUsername: null, steps: steps.steps, error: null,
  };
  setHandler(credentialRotationProgressQuery, () => progress);
  const { hostname, siteId, tenantId, target } = await sites.loadDeviceTarget({ deviceId: input.deviceId });
  progress.hostname = hostname;
  await sites.recordRun({ workflowId, runId, kind: 'credential_rotation', tenantId, siteId, ...(input.ticket ? { ticket: input.ticket } : {}) });

  try {
    const result = await withDeviceLeases([target.serial], `credential rotation of ${hostname}`, '30 minutes', () => rotate());
    progress.state = 'completed';
    await sites.closeRun({ workflowId, status: 'completed' });
    return result;
  } catch (error) {
    progress.error ??= describeFailure(error).message;
    if (progress.state === 'running') progress.state = 'failed';
    await sites.closeRun({ workflowId, status: 'failed', error: progress.error });
    if (error instanceof ApplicationFailure) throw error;
    const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
    throw ApplicationFailure.nonRetryable(`${hostname}: ${progress.error}`, cause?.type ?? failureTypes.credentialRotationFailed, { deviceId: input.deviceId });
  }

  async function rotate(): Promise<RotateCredentialsResult> {
    const renderer = renderers.forPlatform(target.platform);
    const push = (change: string, config: string) => pushConfiguration({
      target, config, mode: 'merge', persist: `${workflowId}/${runId}/${change}`, checks: [], source: 'credentials', workflowId,
    });
    const rotation = await steps.run('generate', () => credentials.prepareCredentialRotation({ deviceId: input.deviceId, workflowId, runId }),
      (r) => `${r.newUsername}, replacing ${r.previousUsername}`);
    const { rotationId, previousUsername, newUsername } = rotation;
    progress.previousUsername = previousUsername;
    progress.newUsername = newUsername;

    const saga = new Saga({ steps, context: { deviceId: input.deviceId, workflowId } });
    try {
      saga.add('generate', () => credentials.abandonCredentialRotation({ rotationId }));
      // Before the push: one that timed out may have committed all the same.
      saga.add('add', () => push('undo-add', renderer.loginUsers.remove([newUsername])));
      await steps.run('add', () => push('add', renderer.loginUsers.add({
        name: newUsername, authentication: { kind: rotation.authentication, secret: secretReference(rotationSecretName(rotationId)) },
      })), (r) => `configuration version ${r.version}`);
      await steps.run('verify', () => reads.verifyLogin({ target, rotationId }), (r) => `${newUsername} logged in to ${r.hostName}`);
    } catch (error) {
      const reason = describeFailure(error).message;
      await saga.compensate();
      progress.state = 'rolled_back';
      progress.error = `${reason.replace(/\.?$/, '.')} The new login ${newUsername} was removed; ${previousUsername} stays on record.`;
      throw ApplicationFailure.nonRetryable(`${hostname}: ${progress.error}`, failureTypes.credentialRotationFailed, { deviceId: input.deviceId, reason });
    }

    const { profileId } = await steps.run('adopt', () => credentials.adoptRotatedCredentials({ rotationId, workflowId }),
      (r) => (r.createdProfile ? 'in a new credential profile of the device\'s own' : 'in the device\'s own credential profile'));
    // From here the device is reached with the new login. Earlier rotated users of the lineage go
    // too, in case an earlier run could not remove its old one (and so does the next rotation).
    try {
      const retired = await steps.run('retire', async () => {
        const stale = (await reads.readLoginUsers({ target })).filter((name) => name !== newUsername && sameLineage(name, previousUsername));
        if (stale.length > 0) await push('retire', renderer.loginUsers.remove(stale));
        return stale;
      }, (stale) => (stale.length > 0 ? `removed ${stale.join(', ')}` : `${previousUsername} is the device's initial account, not a configured login user: left as it is`));
      await steps.run('check', () => reads.verifyLogin({ target, rotationId }), (r) => `${newUsername} logged in to ${r.hostName}`);
      return { deviceId: input.deviceId, previousUsername, newUsername, profileId, retired };
    } catch (error) {
      progress.error = `${describeFailure(error).message.replace(/\.?$/, '.')} The new login ${newUsername} is on record and in use; ${previousUsername} may still be configured (the next rotation removes it).`;
      throw error;
    }
  }
}
