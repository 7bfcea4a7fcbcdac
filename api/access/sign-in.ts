// Checking a person's email and password, for Branchline's own sign-in and for the identity provider
// the production topology signs operators in to the Temporal Web UI with: the same accounts, the
// same throttles. Failures are throttled per account from one network and per network, so passwords
// cannot be guessed quickly, yet a stranger's failures never lock a person out of their account from
// elsewhere; an unknown account takes as long to refuse as a wrong password.
import type { PrismaClient } from '../../prisma/client.ts';
import { unknownAccountHash, verifyPassword } from './passwords.ts';
import { FailureThrottle } from './throttle.ts';

export interface SignInThrottle {
  /** Failures per account from one network (an address, or its /64, or this machine). */
  perAccount: FailureThrottle;
  /** Failures from one network, whatever the accounts (password spraying). */
  perAddress: FailureThrottle;
}

/**
 * Five failed sign-ins to one account from one network in fifteen minutes, then that pair waits;
 * fifty from one network, whatever the accounts, then the network waits. Nobody elsewhere is locked out.
 */
export const newSignInThrottle = (): SignInThrottle => ({ perAccount: new FailureThrottle(5, 15 * 60_000), perAddress: new FailureThrottle(50, 15 * 60_000) });

const withGrants = { roleBindings: { include: { role: true } } } as const;

export type PasswordCheck =
  | { outcome: 'throttled'; waitSeconds: number }
  | { outcome: 'refused' }
  | { outcome: 'accepted'; user: NonNullable<Awaited<ReturnType<typeof findUser>>> };

const findUser = (prisma: PrismaClient, email: string) => prisma.user.findUnique({ where: { email }, include: withGrants });

/** Whether this password opens this account (not disabled), from this network. `email` is lower-cased already. */
export async function checkPassword(prisma: PrismaClient, throttle: SignInThrottle, input: { network: string; email: string; password: string }): Promise<PasswordCheck> {
  const account = `${input.network} ${input.email}`;
  const wait = Math.max(throttle.perAccount.waitSeconds(account), throttle.perAddress.waitSeconds(input.network));
  if (wait > 0) return { outcome: 'throttled', waitSeconds: wait };
  const user = await findUser(prisma, input.email);
  const valid = await verifyPassword(input.password, user?.passwordHash ?? (await unknownAccountHash()));
  if (!user || !valid || user.disabled) {
    throttle.perAccount.fail(account);
    throttle.perAddress.fail(input.network);
    return { outcome: 'refused' };
  }
  // The network's count stays: signing in to one's own account must not wipe a spraying record.
  throttle.perAccount.succeed(account);
  return { outcome: 'accepted', user };
}
