// F7: the device misbehaves in the middle of an onboarding — its candidate locked by another
// NETCONF session, a reboot right after a confirmed commit, 30 % of its management packets lost,
// the box gone for half a minute between a confirm and its record. Each onboarding completes (the
// rebooted box's fails, as it must: below), no run is lost and no change is left half-made or made twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import { onboardingEnded, rpcPoints, startFaultLab, startHubOnboarding, type FaultLab, type RpcPoint } from '../scripts/fault-lab.ts';

/** A session id no NETCONF session of the box has: someone at the CLI in `configure exclusive`. */
const otherSession = 424_242;

describe('device faults mid-onboarding', { timeout: 1_200_000 }, () => {
  let faultLab: FaultLab;

  before(async () => {
    faultLab = await startFaultLab('faults-device', 1, {
      models: ['SRX-SIM-4600', 'SRX-SIM-4600', 'SRX-SIM-4600', 'SRX-SIM-4600'], baseAddress: '127.249.7.1', snmpPort: 41161, netconfPort: 41830,
    });
  });
  after(async () => {
    await faultLab?.stop();
  });

  async function onboard(serial: string): Promise<void> {
    const { siteId, workflowId } = await startHubOnboarding(faultLab, `Hub ${serial}`, serial);
    assert.equal((await onboardingEnded(faultLab.lab, siteId)).state, 'completed');
    await assertFaultInvariants(faultLab.lab, { runs: [workflowId], devices: { [serial]: { changes: 3 } } });
  }

  /** Runs `fault` (not awaited by the box) the first time the box sees `point`. */
  function atRpc(serial: string, point: RpcPoint, fault: () => Promise<void>): void {
    const box = faultLab.lab.fleet.device(serial)!;
    box.faults.onRpc = (event) => {
      if (!point(event)) return;
      delete box.faults.onRpc;
      void fault();
    };
  }

  it('the candidate locked by another session for 15 s: the change waits for the lock', async () => {
    const box = faultLab.lab.fleet.device('BLS0000001')!;
    atRpc('BLS0000001', ({ phase, operation }) => phase === 'received' && operation.localName === 'lock', async () => {
      box.store.lock('candidate', otherSession);
      await new Promise((resolve) => setTimeout(resolve, 15_000));
      box.store.unlock('candidate', otherSession);
    });
    await onboard('BLS0000001');
  });

  // The box's history cannot tell a reboot's revert from a confirm timeout's (root, no client, no
  // log): a change the box reverted on its own may have cut its management path, and is not applied
  // again (hazard 3). The onboarding fails, saying so, and leaves nothing half-done.
  it('a reboot right after the confirmed commit (the commit lost with the power): the onboarding fails cleanly, the change not applied again, and ends when abandoned', async () => {
    const { lab } = faultLab;
    const box = lab.fleet.device('BLS0000002')!;
    atRpc('BLS0000002', rpcPoints.betweenCommitAndConfirm, () => box.reboot());
    const { siteId, workflowId } = await startHubOnboarding(faultLab, 'Hub BLS0000002', 'BLS0000002');
    const ended = await onboardingEnded(lab, siteId);
    assert.equal(ended.state, 'failed');
    assert.match(ended.error ?? '', /reverted it on its own/);
    assert.ok(box.store.journal.some((entry) => entry.kind === 'revert' && entry.reason === 'power loss'), 'the box reverted the commit when it lost power');
    // The failed onboarding waits for the operator's decision: abandoned, it ends.
    await assertFaultInvariants(lab, { runs: [{ workflowId, status: 'RUNNING' }], devices: { BLS0000002: {} } });
    const abandoned = await lab.api('POST', `/api/v1/sites/${siteId}/onboarding/abort`, { reason: 'box to be checked on site' });
    assert.ok([200, 202].includes(abandoned.status), JSON.stringify(abandoned.body));
    await assertFaultInvariants(lab, { runs: [{ workflowId, status: 'FAILED' }], devices: { BLS0000002: {} } });
  });

  it('30 % of the management packets lost', async () => {
    faultLab.lab.fleet.device('BLS0000003')!.faults.lossPercent = 30;
    await onboard('BLS0000003');
  });

  it('the box gone for 30 s between a confirm and its record', async () => {
    const box = faultLab.lab.fleet.device('BLS0000004')!;
    atRpc('BLS0000004', rpcPoints.afterConfirm, async () => {
      await box.powerOff();
      await new Promise((resolve) => setTimeout(resolve, 30_000));
      await box.powerOn();
    });
    await onboard('BLS0000004');
  });
});
