// A device's credential rotation as the database and the deployment's key see it: the new login
// generated here (never in a workflow, whose history would keep it), sealed, and adopted into the
// device's credential profile once it has logged in, or set aside when the rotation is undone.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../prisma/client.ts';
import { rotatedUsername } from '../domain/credential-rotation.ts';
import { abandonRotation, adoptRotation, credentialsBox, recordRotation, type NewLogin } from '../inventory/credentials.ts';
import { sha512Crypt } from '../runtime/sha512-crypt.ts';
import { generateKeyPair } from '../runtime/ssh-key-pair.ts';
import { credentialsOnRecord, type DeviceCredentials } from './devices/activities.ts';

export interface RotationPrepared {
  rotationId: string;
  previousUsername: string;
  newUsername: string;
  /** How the new user authenticates, as the device's configuration holds it. */
  authentication: 'encrypted-password' | 'ssh-ed25519';
}

/** Eighteen random bytes: 144 bits, as printable text. */
const newPassword = () => randomBytes(18).toString('base64url');
const newSuffix = () => [...randomBytes(6)].map((byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('');

export function createCredentialActivities(deps: { prisma: PrismaClient; secretsKey: Buffer; credentials: DeviceCredentials }) {
  const { prisma } = deps;
  const box = credentialsBox(deps.secretsKey);
  return {
    /**
     * Generates the device's next login, as the one it replaces logs in: a new key for a key, a new
     * password (kept with its SHA-512-crypt hash) otherwise, under a new user name. A retry of the
     * same run finds the rotation it recorded rather than make a second one.
     */
    async prepareCredentialRotation(input: { deviceId: string; workflowId: string; runId: string }): Promise<RotationPrepared> {
      const earlier = await prisma.credentialRotation.findFirst({ where: { deviceId: input.deviceId, workflowId: `${input.workflowId}/${input.runId}`, status: 'pending' } });
      if (earlier) {
        return {
          rotationId: earlier.id, previousUsername: earlier.previousUsername, newUsername: earlier.netconfUsername,
          authentication: earlier.netconfPrivateKey ? 'ssh-ed25519' : 'encrypted-password',
        };
      }
      const previous = await credentialsOnRecord(prisma, box, input.deviceId) ?? deps.credentials;
      const username = rotatedUsername(previous.username, newSuffix());
      let login: NewLogin;
      if ('privateKey' in previous && previous.privateKey) {
        const pair = generateKeyPair();
        login = { username, privateKey: pair.private, authentication: pair.public };
      } else {
        const password = newPassword();
        login = { username, password, authentication: sha512Crypt(password) };
      }
      const rotationId = await recordRotation(prisma, box, {
        deviceId: input.deviceId, workflowId: `${input.workflowId}/${input.runId}`, previousUsername: previous.username, login,
      });
      return { rotationId, previousUsername: previous.username, newUsername: username, authentication: login.privateKey ? 'ssh-ed25519' : 'encrypted-password' };
    },

    /** The new login becomes the device's own credentials (audited, without its secrets). */
    async adoptRotatedCredentials(input: { rotationId: string; workflowId: string }): Promise<{ profileId: string; createdProfile: boolean }> {
      return adoptRotation(prisma, box, { ...input, fleetCommunity: deps.credentials.community });
    },

    /** The rotation was undone on the device: its login is set aside, the credentials on record stay. */
    async abandonCredentialRotation(input: { rotationId: string }): Promise<void> {
      await abandonRotation(prisma, input.rotationId);
    },
  };
}

export type CredentialActivities = ReturnType<typeof createCredentialActivities>;
