// F6: the Temporal server stopped and started again (its history kept on disk) in the middle of
// an onboarding and in the middle of an upgrade campaign: both complete, nothing lost, nothing
// done twice, and the time from the server's return to the next progress is reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import {
  onboardingEnded, secondsToProgress, startFaultLab, startCampaignUntil, startHubOnboarding, startRestartableTemporal, type FaultLab, type RestartableTemporal,
} from '../scripts/fault-lab.ts';
import { eventually } from '../scripts/testing.ts';

/** How long the server stays down. */
const downMs = 20_000;

async function restart(temporal: RestartableTemporal): Promise<void> {
  await temporal.stop();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await temporal.start();
}

describe('the Temporal server restarted', { timeout: 1_200_000 }, () => {
  let temporal: RestartableTemporal;
  let faultLab: FaultLab;

  before(async () => {
    temporal = await startRestartableTemporal();
    // Two boxes for the onboarding, four in service for the campaign.
    faultLab = await startFaultLab('faults-temporal-restart', 1, {
      models: ['SRX-SIM-4600', 'SRX-SIM-300', 'SRX-SIM-300', 'SRX-SIM-300', 'SRX-SIM-300'], baseAddress: '127.249.3.1', snmpPort: 41161, netconfPort: 41830,
      temporalAddress: temporal.address,
    });
  });
  after(async () => {
    await faultLab?.stop();
    await temporal?.remove();
  });

  it('mid-onboarding: the onboarding completes, each change made once and recorded', async () => {
    const { lab } = faultLab;
    const box = lab.fleet.device('BLS0000001')!;
    const { siteId, workflowId } = await startHubOnboarding(faultLab, 'Oslo hub', 'BLS0000001');
    await eventually('stage 1 confirmed', async () => box.store.journal.length, (entries) => entries >= 2, 180_000);
    await restart(temporal);
    console.log(`F6 Temporal restart mid-onboarding, recovery to progress: ${(await secondsToProgress(lab)).toFixed(1)} s (down ${downMs / 1000} s)`);
    assert.equal((await onboardingEnded(lab, siteId)).state, 'completed');
    await assertFaultInvariants(lab, { runs: [workflowId], devices: { BLS0000001: { changes: 3 } } });
  });

  // One box at a time, the server going once the first has rebooted into the new software: a box
  // mid-install when the server goes meets hazard 8 (its install's heartbeats time out, and the retry
  // installs again), which workers-killed.faults.test.ts reports.
  it('mid-campaign: every device upgraded once, the campaign completed', async () => {
    const { lab } = faultLab;
    const serials = ['BLS0000002', 'BLS0000003', 'BLS0000004', 'BLS0000005'];
    const workflowId = await startCampaignUntil(faultLab, serials, '23.2R1', { concurrency: 1, until: 'first reboot' });
    await restart(temporal);
    console.log(`F6 Temporal restart mid-campaign, recovery to progress: ${(await secondsToProgress(lab)).toFixed(1)} s (down ${downMs / 1000} s)`);

    await assertFaultInvariants(lab, {
      runs: [workflowId], timeoutMs: 600_000,
      devices: Object.fromEntries(serials.map((serial) => [serial, { installs: 1, reboots: 1 }])),
    });
    for (const serial of serials) assert.equal(lab.fleet.device(serial)!.softwareVersion(), '23.2R1', serial);
  });
});
