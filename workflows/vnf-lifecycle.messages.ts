// A VNF instance's lifecycle (`vnf/<instanceId>`): its input, the state it carries over
// continue-as-new, its live view, and the operations the API asks of it as validated updates.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { VnfHealth, VnfInstanceStatus, VnfOperation, VnfOperationOutcome } from '../domain/vnf-instance.ts';
import type { VnfHealingPolicy } from '../domain/vnf-lifecycle.ts';

export const vnfWorkflowId = (instanceId: string) => `vnf/${instanceId}`;

/** What the instance's run knows that the inventory does not, carried over continue-as-new. */
export interface VnfCarried {
  status: VnfInstanceStatus;
  operation: { kind: VnfOperation; outcome: VnfOperationOutcome; error: string | null; request: VnfOperationRequest | null } | null;
  health: VnfHealth;
  /** Failed health checks in a row. */
  failures: number;
  /** The current incident's heal attempts, and when the last heal was. */
  healAttempts: number;
  lastHealAt: number | null;
  heals: number;
  /** The guest's management address, as the host last reported it. */
  address: string | null;
  /** The flavour a failed scaling started from, for its rollback. */
  scaleFrom: string | null;
  /** Names each configuration change of the run, so that a retry finishes it rather than repeats it. */
  changes: number;
}

export interface VnfLifecycleInput {
  instanceId: string;
  healing: VnfHealingPolicy;
  carried?: VnfCarried;
}

export type VnfOperationRequest =
  | { kind: 'heal' }
  | { kind: 'scale'; flavour: string }
  | { kind: 'change_package'; packageId: string; parameters: Record<string, string | number | boolean> }
  | { kind: 'terminate' };

/** The live state, as the API answers it. */
export interface VnfView {
  instanceId: string;
  name: string;
  status: VnfInstanceStatus;
  health: VnfHealth;
  package: { id: string; product: string; version: string } | null;
  flavour: string | null;
  address: string | null;
  heals: number;
  healAttempts: number;
  lastOperation: { kind: VnfOperation; outcome: VnfOperationOutcome; error: string | null } | null;
  /** An operation running now. */
  busy: boolean;
}

export const vnfStateQuery = defineQuery<VnfView>('vnfState');
export const healVnfUpdate = defineUpdate<VnfView, []>('heal');
export const scaleVnfUpdate = defineUpdate<VnfView, [{ flavour: string }]>('scale');
export const changeVnfPackageUpdate = defineUpdate<VnfView, [{ packageId: string; parameters: Record<string, string | number | boolean> }]>('changePackage');
export const terminateVnfUpdate = defineUpdate<VnfView, []>('terminate');
/** SOL003's decisions on a failed operation (failed_temp): try it again, undo it, or give it up. */
export const retryVnfUpdate = defineUpdate<VnfView, []>('retry');
export const rollbackVnfUpdate = defineUpdate<VnfView, []>('rollback');
export const failVnfUpdate = defineUpdate<VnfView, []>('fail');
