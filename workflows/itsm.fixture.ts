// Workflows for the ITSM test's worker: webhook deliveries as they are, and a stand-in for a network
// service's run — active at once, terminated by its update as the real one is — so that the test
// follows a change request through the run registry without a uCPE (the real run has its own test).
import { condition, setHandler } from '@temporalio/workflow';
import { networkServiceQuery, terminateNetworkServiceUpdate, type NetworkServiceInput, type NetworkServiceView } from './network-service.messages.ts';

export { deliverWebhook } from './deliver-webhook.ts';

export async function networkService(input: NetworkServiceInput): Promise<void> {
  const view: NetworkServiceView = { serviceInstanceId: input.serviceInstanceId, status: 'active', steps: [], functions: [], path: null, error: null, busy: false };
  setHandler(networkServiceQuery, () => view);
  setHandler(terminateNetworkServiceUpdate, () => {
    view.status = 'terminating';
    return view;
  }, {
    validator: () => {
      if (view.status !== 'active') throw new Error(`the network service is ${view.status}: only an active network service is terminated.`);
    },
  });
  await condition(() => view.status === 'terminating');
  view.status = 'terminated';
}
