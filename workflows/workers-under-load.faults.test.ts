// F10 and F2: workers under load. With a workflow cache of two, every other workflow task replays
// its run's history from the start; with three workers restarted one after the other (as a
// deployment rolls), runs move between workers mid-change. Either way, every onboarding completes,
// no run is lost and no device changed twice or left half-configured.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import { onboardingEnded, startFaultLab, startHubOnboarding, type FaultLab } from '../scripts/fault-lab.ts';
import { serialOf } from '../simulator/fleet.ts';

const onboardings = 8;

/** `count` one-box hub onboardings started together; answers once all have ended, each completed, and both invariants checked. */
async function onboardTogether(faultLab: FaultLab, duringThem: () => Promise<void> = async () => undefined): Promise<void> {
  const serials = Array.from({ length: onboardings }, (_, index) => serialOf(index));
  const started = await Promise.all(serials.map((serial) => startHubOnboarding(faultLab, `Hub ${serial}`, serial)));
  await duringThem();
  for (const { siteId } of started) assert.equal((await onboardingEnded(faultLab.lab, siteId, 900_000)).state, 'completed', siteId);
  await assertFaultInvariants(faultLab.lab, {
    runs: started.map((run) => run.workflowId),
    devices: Object.fromEntries(serials.map((serial) => [serial, { changes: 3, installs: 0, reboots: 0 }])),
  });
}

const fleet = (baseAddress: string) => ({ models: Array.from({ length: onboardings }, () => 'SRX-SIM-4600'), baseAddress, snmpPort: 41161, netconfPort: 41830 });

describe('a workflow cache of two under many onboardings (F10)', { timeout: 1_200_000 }, () => {
  let faultLab: FaultLab;
  before(async () => {
    faultLab = await startFaultLab('faults-small-cache', 1, {
      ...fleet('127.249.5.1'), workerEnv: { WORKER_MAX_CACHED_WORKFLOWS: '2', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '2' },
    });
  });
  after(async () => {
    await faultLab?.stop();
  });

  it(`completes ${onboardings} onboardings at once, each change on each box made once and recorded`, async () => {
    await onboardTogether(faultLab);
  });
});

describe('three workers restarted one after the other under load (F2)', { timeout: 1_200_000 }, () => {
  let faultLab: FaultLab;
  before(async () => {
    faultLab = await startFaultLab('faults-rolling-restart', 3, fleet('127.249.6.1'));
  });
  after(async () => {
    await faultLab?.stop();
  });

  it(`completes ${onboardings} onboardings while each worker is stopped and replaced in turn`, async () => {
    const { lab } = faultLab;
    await onboardTogether(faultLab, async () => {
      for (const pid of lab.workerPids()) {
        // Once the changes are under way: a box of the batch has committed something.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await lab.stopWorker(pid);
        await lab.startWorker();
      }
    });
  });
});
