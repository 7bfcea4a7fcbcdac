// Signing in and out. A person's password opens a session held in an HttpOnly, SameSite=Strict
// cookie; failures are throttled per account from one network and per network, so passwords
// cannot be guessed quickly, yet a stranger's failures never lock a person out of their account
// from elsewhere; an unknown account takes as long to refuse as a wrong password.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { cookieValue, sessionCookie, unauthenticated } from '../access/authenticate.ts';
import { signedInHintCookie } from '../../domain/session-hint.ts';
import { unknownAccountHash, verifyPassword } from '../access/passwords.ts';
import { principalOf, type Principal } from '../access/principal.ts';
import { newSessionToken, sha256Hex } from '../access/secrets.ts';
import { addressKey, type FailureThrottle } from '../access/throttle.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { HttpProblem } from '../problems.ts';

const sessionHours = 12;

export const sessionSchema = z.object({
  user: z.object({ id: z.uuid(), email: z.string(), displayName: z.string() }),
  grants: z.array(z.object({
    scope: z.enum(['global', 'opco', 'tenant']),
    opcoId: z.uuid().nullable(),
    tenantId: z.uuid().nullable(),
    role: z.string(),
    permissions: z.record(z.string(), z.array(z.enum(['read', 'write', 'execute']))),
  })),
}).openapi('Session');

async function describe(prisma: PrismaClient, principal: Principal) {
  const user = await prisma.user.findUniqueOrThrow({ where: { id: principal.actor.id }, select: { id: true, email: true, displayName: true } });
  return { user, grants: principal.grants.map((g) => ({ ...g, permissions: g.permissions as Record<string, ('read' | 'write' | 'execute')[]> })) };
}

export interface SignInThrottle {
  /** Failures per account from one network (an address, or its /64, or this machine). */
  perAccount: FailureThrottle;
  /** Failures from one network, whatever the accounts (password spraying). */
  perAddress: FailureThrottle;
}

export function sessionRouter(api: ApiDefinition, deps: { prisma: PrismaClient; signInThrottle: SignInThrottle }): Router {
  const router = Router();
  const { prisma, signInThrottle } = deps;

  api.route(router, {
    method: 'post',
    path: '/session',
    summary: 'Sign in with email and password',
    tags: ['Access'],
    access: 'public',
    body: z.object({ email: z.string().trim().toLowerCase().pipe(z.email()), password: z.string().min(1).max(200) }),
    status: 201,
    response: sessionSchema,
    handler: async ({ body, principal: caller }, req, res) => {
      const network = addressKey(req.ip);
      const account = `${network} ${body.email}`;
      const wait = Math.max(signInThrottle.perAccount.waitSeconds(account), signInThrottle.perAddress.waitSeconds(network));
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        throw new HttpProblem(429, 'sign-in-throttled', 'Too many failed sign-ins', 'Too many failed sign-ins for this account, or from your network.', { retryAfterSeconds: wait });
      }
      const user = await prisma.user.findUnique({ where: { email: body.email }, include: { roleBindings: { include: { role: true } } } });
      const valid = await verifyPassword(body.password, user?.passwordHash ?? (await unknownAccountHash()));
      if (!user || !valid || user.disabled) {
        signInThrottle.perAccount.fail(account);
        signInThrottle.perAddress.fail(network);
        throw unauthenticated('The email or the password is wrong, or the account is disabled.');
      }
      // The network's count stays: signing in to one's own account must not wipe a spraying record.
      signInThrottle.perAccount.succeed(account);
      await prisma.userSession.deleteMany({ where: { userId: user.id, expiresAt: { lt: new Date() } } });
      const { token, hash } = newSessionToken();
      await prisma.userSession.create({ data: { tokenHash: hash, userId: user.id, expiresAt: new Date(Date.now() + sessionHours * 3600_000) } });
      const principal = await principalOf(prisma, { type: 'user', id: user.id, name: user.email }, user.roleBindings);
      await recordAudit(prisma, principal, req, { action: 'session.create', objectType: 'user', objectId: user.id, after: { from: caller.actor.id } });
      res.cookie(sessionCookie, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: sessionHours * 3600_000 });
      res.cookie(signedInHintCookie, '1', { sameSite: 'strict', secure: req.secure, path: '/', maxAge: sessionHours * 3600_000 });
      return describe(prisma, principal);
    },
  });

  api.route(router, {
    method: 'get',
    path: '/session',
    summary: 'Who is signed in, with their grants',
    tags: ['Access'],
    access: 'signed-in',
    response: sessionSchema,
    handler: async ({ principal }) => {
      if (principal.actor.type !== 'user') throw unauthenticated('An API token has no session; GET /api/v1/api-tokens shows tokens.');
      return describe(prisma, principal);
    },
  });

  api.route(router, {
    method: 'delete',
    path: '/session',
    summary: 'Sign out',
    tags: ['Access'],
    access: 'signed-in',
    status: 204,
    response: z.null(),
    handler: async (_input, req, res) => {
      const token = cookieValue(req, sessionCookie);
      if (token) await prisma.userSession.deleteMany({ where: { tokenHash: sha256Hex(token) } });
      res.clearCookie(sessionCookie, { path: '/' });
      res.clearCookie(signedInHintCookie, { path: '/' });
      res.status(204).end();
    },
  });

  return router;
}
