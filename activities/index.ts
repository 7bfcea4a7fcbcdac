// Every activity, built from its dependencies. Only the worker calls this (STYLE: the worker is
// the one place that wires implementations); workflows import the types.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { createLeaseActivities } from './leases.ts';

export interface ActivityDependencies {
  prisma: PrismaClient;
  /** For activities that call the Temporal service for workflows (signal-with-start, describe). */
  client: Client;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createLeaseActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
