// A network service on a uCPE (`network-service/<serviceInstanceId>`): its input, its live view
// (the steps of its saga and each function's VNF instance) and the termination the API asks of it.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { VnfHealingPolicy } from '../domain/vnf-lifecycle.ts';
import type { Step } from '../domain/progress.ts';

export const networkServiceWorkflowId = (serviceInstanceId: string) => `network-service/${serviceInstanceId}`;

export interface NetworkServiceInput {
  serviceInstanceId: string;
  /** How each function's VNF instance is watched and healed. */
  healing: VnfHealingPolicy;
}

export interface NetworkServiceView {
  serviceInstanceId: string;
  status: 'instantiating' | 'active' | 'failed' | 'terminating' | 'terminated';
  steps: Step[];
  functions: { instanceId: string; name: string; position: number; workflowId: string }[];
  /** The path the uCPE last reported through the chain. */
  path: { hops: string[]; status: string; egressVlan: string | null } | null;
  error: string | null;
  busy: boolean;
}

export const networkServiceQuery = defineQuery<NetworkServiceView>('networkService');
export const terminateNetworkServiceUpdate = defineUpdate<NetworkServiceView, []>('terminate');
