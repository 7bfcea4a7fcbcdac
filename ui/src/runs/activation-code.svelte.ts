// The one-time activation code an RMA's launch answers, handed from the wizard to the run's page in
// memory only. It is never stored (no storage, no address): once dismissed, or after a reload, it
// cannot be shown again, which is why the run page holds it up until the operator says they have it.
export interface ActivationCodeHandover {
  workflowId: string;
  /** The device being replaced, and the new box the code is for. */
  hostname: string;
  newSerial: string;
  code: string;
}

class ActivationCodes {
  private current = $state<ActivationCodeHandover | undefined>();

  hand(handover: ActivationCodeHandover) {
    this.current = handover;
  }

  of(workflowId: string): ActivationCodeHandover | undefined {
    return this.current?.workflowId === workflowId ? this.current : undefined;
  }

  dismiss() {
    this.current = undefined;
  }
}

export const activationCodes = new ActivationCodes();
