// A run as the API shows it: the database's summary for lists, and the workflow's own progress
// (its `progress` query) for the live page. Progress differs by kind; what every kind may carry is here.
import type { RunKind, RunStatus } from '../../../generated/prisma/enums.ts';
import type {
  CampaignProgress, CredentialRotationProgress, DecommissionProgress, OnboardingProgress, RmaProgress, Step, UpgradeProgress, ZtpProgress,
} from '../../../domain/progress.ts';

export type { Step };

export interface RunSummary {
  workflowId: string;
  runId: string | null;
  kind: RunKind;
  tenantId: string | null;
  siteId: string | null;
  ticket: string | null;
  status: RunStatus;
  error: string | null;
  startedAt: string;
  closedAt: string | null;
  /** What the run acts on, by name; none for a run of no known object. */
  subject: RunSubject | null;
}

export interface RunSubject {
  type: 'site' | 'device' | 'campaign' | 'policy_deployment' | 'vnf_instance' | 'network_service_campaign';
  id: string;
  name: string;
  siteId: string | null;
  siteName: string | null;
}

/** A run as the operator names it: what it does, and to what ("Site onboarding of Ghent pharmacy"). */
export function runTitle(run: Pick<RunSummary, 'kind' | 'subject'>, kindLabel: string): string {
  if (!run.subject) return kindLabel;
  const where = run.subject.siteName && run.subject.siteName !== run.subject.name ? ` (${run.subject.siteName})` : '';
  return `${kindLabel} of ${run.subject.name}${where}`;
}

type AnyProgress = OnboardingProgress | DecommissionProgress | ZtpProgress | UpgradeProgress | CampaignProgress | RmaProgress | CredentialRotationProgress;
type KeyOfAny<T> = T extends unknown ? keyof T : never;
type ValueOfAny<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

/**
 * What the run page reads before it knows the run's kind: every field any workflow's progress
 * query answers, each optional, typed as that workflow answers it.
 */
export type RunProgress = { [K in KeyOfAny<AnyProgress>]?: ValueOfAny<AnyProgress, K> };

/** What the run stream sends: Temporal's view of the run (RUNNING, COMPLETED…) and the progress. */
export interface ProgressEvent {
  execution: string;
  progress?: RunProgress;
}

/** The run events of GET /api/v1/events, on which run lists refresh. */
export const runEventTypes = ['run.started', 'run.completed', 'run.failed', 'run.cancelled'];
