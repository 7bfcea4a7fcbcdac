// The progress of a run as the operator sees it: the query every workflow answers and the shape
// of its steps, shared by the workflows, the API and the UI.

/** Every workflow an operator follows step by step answers this query; live streams poll it. */
export const progressQueryName = 'progress';

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'compensating' | 'compensated' | 'skipped';

export interface Step {
  name: string;
  label: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  error?: string;
  /** What the step found or did, in a few words ("upgraded to 23.2R1", "2 tunnels"). */
  detail?: string;
}
