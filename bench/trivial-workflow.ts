// The smallest workflow there is, for `npm run bench:onboarding`: it returns at once, so running
// many of them measures what the Temporal server and one worker sustain without any of our work.

export interface TrivialWorkflowInput {
  index: number;
}

export async function trivialWorkflow(input: TrivialWorkflowInput): Promise<{ index: number }> {
  return { index: input.index };
}
