// The policy deployment wizard's state: its draft (the kit's WizardState) and the dry run the
// first step's Next makes — a dry-run deployment of the intent as it is, followed until it ends,
// whose per-site diffs the second step shows. Deploying posts the strategy and opens the
// deployment's live progress page.
import { getJson, postJson } from '../../lib/api.ts';
import { deploymentHref, settled, type DeploymentSite } from '../../policies/policy-deployment.ts';
import { WizardState } from '../wizard.svelte.ts';
import { deployPolicySteps, deployStrategyStep } from './steps.ts';

export interface DryRun {
  deploymentId: string;
  sites: DeploymentSite[];
}

/** The API's defaults for the strategy, so the inputs start filled in. */
const defaults = deployStrategyStep.parse({});

export class DeployPolicy {
  dryRun = $state<DryRun>();
  readonly wizard: WizardState<typeof deployStrategyStep>;

  constructor(readonly tenantId: string) {
    const base = `/api/v1/tenants/${tenantId}/policy-deployments`;
    this.wizard = new WizardState({
      initial: { ...defaults, note: '' },
      steps: deployPolicySteps((parsed) => this.preview(parsed)),
      launch: async (parsed) => {
        const started = await postJson<{ deploymentId: string; workflowId: string; runId: string }>(base, { ...parsed, dryRun: false });
        return { ...started, progressHref: deploymentHref(started.deploymentId) };
      },
    });
  }

  /** A dry run of the intent as it is now, followed to its end: each site's diff or no change. */
  private async preview(options: object): Promise<void> {
    const started = await postJson<{ deploymentId: string; progressUrl: string }>(`/api/v1/tenants/${this.tenantId}/policy-deployments`, { ...options, dryRun: true });
    for (;;) {
      const deployment = await getJson<{ execution: string }>(started.progressUrl);
      if (settled(deployment.execution)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const sites = await getJson<{ items: DryRun['sites'] }>(`${started.progressUrl}/sites?limit=1000`);
    this.dryRun = { deploymentId: started.deploymentId, sites: sites.items };
  }
}
