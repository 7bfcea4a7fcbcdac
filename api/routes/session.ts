// Signing in and out. A person's password (checked and throttled by access/sign-in.ts) opens a
// session held in an HttpOnly, SameSite=Strict cookie.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { cookieValue, sessionCookie, unauthenticated } from '../access/authenticate.ts';
import { signedInHintCookie } from '../../domain/session-hint.ts';
import { principalOf, type Principal } from '../access/principal.ts';
import { newSessionToken, sha256Hex } from '../access/secrets.ts';
import { checkPassword, type SignInThrottle } from '../access/sign-in.ts';
import { addressKey } from '../access/throttle.ts';
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
      const check = await checkPassword(prisma, signInThrottle, { network: addressKey(req.ip), email: body.email, password: body.password });
      if (check.outcome === 'throttled') {
        res.setHeader('Retry-After', String(check.waitSeconds));
        throw new HttpProblem(429, 'sign-in-throttled', 'Too many failed sign-ins', 'Too many failed sign-ins for this account, or from your network.', { retryAfterSeconds: check.waitSeconds });
      }
      if (check.outcome === 'refused') throw unauthenticated('The email or the password is wrong, or the account is disabled.');
      const { user } = check;
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
