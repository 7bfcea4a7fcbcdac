import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { PrismaClient } from '../../prisma/client.ts';
import { problems } from '../problems.ts';

interface Check {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(probe: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`: the process is alive. `/readyz`: PostgreSQL and Temporal answer, with details. */
export function healthRouter(deps: { prisma: PrismaClient; temporal: Client; namespace: string }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      timed(() => deps.prisma.$queryRaw`SELECT 1`, 2000),
      timed(() => deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace }), 2000),
    ]);
    const ready = postgres.ok && temporal.ok;
    const body = { status: ready ? 'ready' : 'not ready', checks: { postgres, temporal } };
    if (ready) {
      res.json(body);
    } else {
      const failing = Object.entries(body.checks).filter(([, check]) => !check.ok);
      const detail = `Not ready: ${failing.map(([name, check]) => `${name} (${check.error})`).join(', ')}.`;
      res.status(503).type('application/problem+json').json(problems.unavailable(detail, { checks: body.checks }).toJSON());
    }
  });
  return router;
}
