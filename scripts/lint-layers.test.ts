// The layering of the tree (README, "Layers") is enforced by eslint.config.js; these tests lint
// one import at a time, as if written in a file of each folder, and check it is refused with a
// message that says what to do, or allowed. The files need not exist: type-aware linting is off
// here (it needs a file in the TypeScript project), and only the import rule runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..');
const importRule = '@typescript-eslint/no-restricted-imports';
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === importRule,
});

/** What ESLint says of `code` in a file at `file` (relative to the root): every message, parse errors included. */
async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: join(root, file), warnIgnored: true });
  assert.ok(result);
  return result.messages.map((message) => `${message.ruleId ?? 'fatal'}: ${message.message}`);
}

/** A refused import: one message, from the import rule, saying what to do instead. */
function refuses(file: string, code: string, advice: RegExp) {
  it(`refuses, in ${file}: ${code}`, async () => {
    const messages = await lint(file, code);
    assert.equal(messages.length, 1, messages.join('\n') || 'nothing was reported');
    assert.ok(messages[0]?.startsWith(`${importRule}: `), messages[0]);
    assert.match(messages[0] ?? '', advice);
  });
}

function allows(file: string, code: string) {
  it(`allows, in ${file}: ${code}`, async () => {
    assert.deepEqual(await lint(file, code), []);
  });
}

describe('layers › domain/ imports only domain/, zod, @temporalio/common and the Prisma enums', () => {
  refuses('domain/probe.ts', `import { readFileSync } from 'node:fs';`, /put it in runtime\/ or inventory\//);
  refuses('domain/probe.ts', `import { createHash } from 'crypto';`, /put it in runtime\/ or inventory\//);
  refuses('domain/probe.ts', `import { loadConfig } from '../runtime/config.ts';`, /domain\/ imports only domain\//);
  refuses('domain/render/probe.ts', `import { loadConfig } from '../../runtime/config.ts';`, /domain\/ imports only domain\//);
  refuses('domain/probe.ts', `import { storeImage } from '../inventory/images.ts';`, /domain\/ imports only domain\//);
  refuses('domain/probe.ts', `import { ztpWorkflowId } from '../workflows/ztp.messages.ts';`, /domain\/ imports only domain\//);
  refuses('domain/probe.ts', `import type { createActivities } from '../activities/index.ts';`, /domain\/ imports only domain\//);
  refuses('domain/probe.ts', `import { buildApp } from '../api/app.ts';`, /domain\/ imports only domain\//);
  refuses('domain/probe.ts', `import { createPrismaClient } from '../prisma/client.ts';`, /domain\/ imports only domain\//);
  refuses('domain/probe.ts', `import { PrismaClient } from '../generated/prisma/client.ts';`, /enums\.ts\) only/);
  refuses('domain/probe.ts', `import { eventually } from '../scripts/testing.ts';`, /Move what the product needs into runtime\//);
  refuses('domain/probe.ts', `import { pino } from 'pino';`, /zod and @temporalio\/common only/);
  refuses('domain/probe.ts', `import { defineSignal } from '@temporalio/workflow';`, /zod and @temporalio\/common only/);
  allows('domain/probe.ts', `import { parseIpv4 } from './ipv4.ts';`);
  allows('domain/render/probe.ts', `import { parseIpv4 } from '../ipv4.ts';`);
  allows('domain/probe.ts', `import { z } from 'zod';`);
  allows('domain/probe.ts', `import { ApplicationFailure } from '@temporalio/common';`);
  allows('domain/probe.ts', `import { SiteStatus } from '../generated/prisma/enums.ts';`);
});

describe('layers › runtime/ imports domain/ and itself', () => {
  refuses('runtime/probe.ts', `import { storeImage } from '../inventory/images.ts';`, /runtime\/ imports domain\/ and itself only/);
  refuses('runtime/probe.ts', `import { createPrismaClient } from '../prisma/client.ts';`, /runtime\/ imports domain\/ and itself only/);
  refuses('runtime/probe.ts', `import { PrismaClient } from '../generated/prisma/client.ts';`, /belongs in inventory\//);
  refuses('runtime/probe.ts', `import { ztpWorkflowId } from '../workflows/ztp.messages.ts';`, /runtime\/ imports domain\/ and itself only/);
  refuses('runtime/probe.ts', `import { createActivities } from '../activities/index.ts';`, /runtime\/ imports domain\/ and itself only/);
  refuses('runtime/probe.ts', `import { buildApp } from '../api/app.ts';`, /runtime\/ imports domain\/ and itself only/);
  refuses('runtime/probe.ts', `import { freePort } from '../scripts/processes.ts';`, /Move what the product needs into runtime\//);
  allows('runtime/probe.ts', `import { parseIpv4 } from '../domain/ipv4.ts';`);
  allows('runtime/probe.ts', `import { loadConfig } from './config.ts';`);
  allows('runtime/probe.ts', `import { createHmac } from 'node:crypto';`);
  allows('runtime/probe.ts', `import { Connection } from '@temporalio/client';`);
});

describe('layers › inventory/ imports domain/, prisma/, runtime/ and itself', () => {
  refuses('inventory/probe.ts', `import { raiseAlarm } from '../activities/sites.ts';`, /activities\/ and api\/ call it/);
  refuses('inventory/probe.ts', `import { buildApp } from '../api/app.ts';`, /activities\/ and api\/ call it/);
  refuses('inventory/probe.ts', `import { ztpWorkflowId } from '../workflows/ztp.messages.ts';`, /runs no workflow code/);
  refuses('inventory/probe.ts', `import { eventually } from '../scripts/testing.ts';`, /Move what the product needs into runtime\//);
  allows('inventory/probe.ts', `import type { ztp } from '../workflows/ztp.ts';`);
  allows('inventory/probe.ts', `import { parseIpv4 } from '../domain/ipv4.ts';`);
  allows('inventory/probe.ts', `import type { PrismaClient } from '../prisma/client.ts';`);
  allows('inventory/probe.ts', `import { logger } from '../runtime/logger.ts';`);
  allows('inventory/probe.ts', `import { ensureBuiltinRoles } from './roles.ts';`);
  allows('inventory/probe.ts', `import { createReadStream } from 'node:fs';`);
});

describe('layers › workflows/ import domain/, each other and activity types', () => {
  refuses('workflows/probe.ts', `import { randomUUID } from 'node:crypto';`, /deterministic sandbox: do I\/O in an activity/);
  refuses('workflows/probe.ts', `import { setTimeout } from 'timers';`, /deterministic sandbox: do I\/O in an activity/);
  refuses('workflows/probe.ts', `import { createActivities } from '../activities/index.ts';`, /activity types only \(import type\)/);
  refuses('workflows/probe.ts', `import { storeImage } from '../inventory/images.ts';`, /through an activity/);
  refuses('workflows/probe.ts', `import { loadConfig } from '../runtime/config.ts';`, /through an activity/);
  refuses('workflows/probe.ts', `import { buildApp } from '../api/app.ts';`, /through an activity/);
  refuses('workflows/probe.ts', `import type { PrismaClient } from '../prisma/client.ts';`, /through an activity/);
  refuses('workflows/probe.ts', `import { PrismaClient } from '../generated/prisma/client.ts';`, /in an activity/);
  refuses('workflows/probe.ts', `import { eventually } from '../scripts/testing.ts';`, /Move what the product needs into runtime\//);
  refuses('workflows/probe.ts', `import { patched, sleep } from '@temporalio/workflow';`, /Import patched from workflows\/patches\.ts/);
  allows('workflows/probe.ts', `import { patched } from './patches.ts';`);
  refuses('workflows/probe.ts', `import { Client } from '@temporalio/client';`, /belong to api\/, the worker and activities\//);
  refuses('workflows/probe.ts', `import { Worker } from '@temporalio/worker';`, /belong to api\/, the worker and activities\//);
  refuses('workflows/probe.ts', `import { heartbeat } from '@temporalio/activity';`, /belong to api\/, the worker and activities\//);
  refuses('workflows/probe.ts', `import { pino } from 'pino';`, /belongs in an activity/);
  allows('workflows/probe.ts', `import type { createActivities } from '../activities/index.ts';`);
  allows('workflows/probe.ts', `import { proxyActivities } from '@temporalio/workflow';`);
  allows('workflows/probe.ts', `import { ApplicationFailure } from '@temporalio/common';`);
  allows('workflows/probe.ts', `import { taskQueues } from '../domain/task-queues.ts';`);
  allows('workflows/probe.ts', `import { SiteStatus } from '../generated/prisma/enums.ts';`);
  allows('workflows/probe.ts', `import { runStep } from './steps.ts';`);
  allows('workflows/probe.ts', `import { ztpWorkflowId } from './ztp.messages.ts';`);
  allows('workflows/probe.workflow.test.ts', `import { Worker } from '@temporalio/worker';`);
});

describe('layers › activities/ take a workflow\'s messages, and the workflow as a type only', () => {
  refuses('activities/probe.ts', `import { ztp } from '../workflows/ztp.ts';`, /import the workflow's messages and id from its \*\.messages\.ts/);
  refuses('activities/devices/probe.ts', `import { withDeviceLeases } from '../../workflows/lease.ts';`, /\*\.messages\.ts/);
  refuses('activities/probe.ts', `import { buildApp } from '../api/app.ts';`, /put what both need in inventory\/ or domain\//);
  refuses('activities/probe.ts', `import { startFleet } from '../simulator/fleet.ts';`, /reaches devices through activities\/devices\//);
  refuses('activities/probe.ts', `import { eventually } from '../scripts/testing.ts';`, /Move what the product needs into runtime\//);
  allows('activities/probe.ts', `import type { ztp } from '../workflows/ztp.ts';`);
  allows('activities/probe.ts', `import { ztpWorkflowId, type ZtpProgress } from '../workflows/ztp.messages.ts';`);
  allows('activities/devices/probe.ts', `import { parseIpv4 } from '../../domain/ipv4.ts';`);
  allows('activities/probe.ts', `import { storeImage } from '../inventory/images.ts';`);
  allows('activities/probe.ts', `import { logger } from '../runtime/logger.ts';`);
  allows('activities/probe.ts', `import type { PrismaClient } from '../prisma/client.ts';`);
  allows('activities/probe.ts', `import { createDeviceActivities } from './devices/activities.ts';`);
  allows('activities/probe.ts', `import { heartbeat } from '@temporalio/activity';`);
});

describe('layers › api/ never imports activities/, and takes a workflow\'s messages', () => {
  refuses('api/probe.ts', `import { raiseAlarm } from '../activities/sites.ts';`, /api\/ never imports activities\/: start a workflow/);
  refuses('api/routes/probe.ts', `import { raiseAlarm } from '../../activities/sites.ts';`, /api\/ never imports activities\//);
  refuses('api/probe.ts', `import type { createActivities } from '../activities/index.ts';`, /api\/ never imports activities\//);
  refuses('api/runs/probe.ts', `import { onboardSite } from '../../workflows/onboard-site.ts';`, /import the workflow's messages and id from its \*\.messages\.ts/);
  refuses('api/probe.ts', `import { startFleet } from '../simulator/fleet.ts';`, /reaches devices through activities\/devices\//);
  refuses('api/probe.ts', `import { eventually } from '../scripts/testing.ts';`, /Move what the product needs into runtime\//);
  allows('api/runs/probe.ts', `import type { onboardSite } from '../../workflows/onboard-site.ts';`);
  allows('api/runs/probe.ts', `import { onboardingWorkflowId } from '../../workflows/onboard-site.messages.ts';`);
  allows('api/probe.ts', `import { storeImage } from '../inventory/images.ts';`);
  allows('api/probe.ts', `import { parseIpv4 } from '../domain/ipv4.ts';`);
  allows('api/probe.ts', `import { logger } from '../runtime/logger.ts';`);
  allows('api/probe.ts', `import type { PrismaClient } from '../prisma/client.ts';`);
  allows('api/probe.ts', `import { Client } from '@temporalio/client';`);
});

describe('layers › only scripts/, tests, bench/ and e2e/ import scripts/', () => {
  for (const file of ['prisma/probe.ts', 'simulator/probe.ts', 'probe.config.ts']) {
    refuses(file, `import { freePort } from '${file.includes('/') ? '..' : '.'}/scripts/processes.ts';`, /only scripts\/, tests, bench\/ and e2e\/ import it/);
  }
  for (const file of ['scripts/probe.ts', 'bench/probe.ts', 'e2e/probe.ts', 'api/probe.test.ts', 'workflows/probe.integration.test.ts', 'domain/probe.test.ts']) {
    allows(file, `import { freePort } from '../scripts/processes.ts';`);
  }
  allows('scripts/probe.ts', `import { freePort } from './processes.ts';`);
  allows('playwright.config.ts', `import { freePort } from './scripts/processes.ts';`);
});
