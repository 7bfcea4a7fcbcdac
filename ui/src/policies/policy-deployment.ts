// What the Policies pages share: the tenant they work on, where a deployment's page is, and the
// shapes the API answers for deployments and their sites.
import { tenants } from '../lib/tenants.svelte.ts';

/** The tenant chosen in the switcher, or the only one the user sees. */
export const policyTenant = (): string => tenants.selectedId || (tenants.list.length === 1 ? tenants.list[0]!.id : '');

export const deploymentHref = (deploymentId: string) => `/policies/deployments/${deploymentId}`;

export interface PolicyVersion {
  id: string;
  version: number | null;
  dryRun: boolean;
  rollbackOf: number | null;
  status: string;
  note: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface DeploymentSite {
  siteId: string;
  siteName: string;
  wave: number;
  status: string;
  diff: string;
  error: string | null;
}

/** Sites still moving: the page keeps polling while any is. */
export const settled = (execution: string) => execution !== 'RUNNING' && execution !== 'UNKNOWN';
