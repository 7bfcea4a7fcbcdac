// F1: every worker SIGKILLed at an exact point of a device change — before, between and after
// commit and confirm, mid-install, mid-reboot — and started again: the run completes, no run is
// lost and no device is changed twice or left half-configured.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import {
  killWorkersAt, onboardingEnded, rpcPoints, startFaultLab, startHubOnboarding, startUpgrade, startWorkers, uploadImage, type FaultLab, type RpcPoint,
} from '../scripts/fault-lab.ts';

const workers = 2;

describe('every worker killed at a point of a device change', { timeout: 1_500_000 }, () => {
  let faultLab: FaultLab;
  const runs: string[] = [];

  before(async () => {
    faultLab = await startFaultLab('faults-workers-killed', workers, {
      models: ['SRX-SIM-4600', 'SRX-SIM-4600', 'SRX-SIM-4600'], baseAddress: '127.249.1.1', snmpPort: 41161, netconfPort: 41830,
    });
  });
  after(async () => {
    await faultLab?.stop();
  });

  const onboardings: [string, string, RpcPoint][] = [
    ['before the confirmed commit', 'BLS0000001', rpcPoints.beforeCommit],
    ['between the commit and its confirm', 'BLS0000002', rpcPoints.betweenCommitAndConfirm],
    ['after the confirm, before its record', 'BLS0000003', rpcPoints.afterConfirm],
  ];
  for (const [point, serial, rpc] of onboardings) {
    it(`onboarding, killed ${point}: completes once workers are back, each change made once and recorded`, async () => {
      const { lab } = faultLab;
      const killed = killWorkersAt(lab, serial, rpc);
      const { siteId, workflowId } = await startHubOnboarding(faultLab, `Hub ${serial}`, serial);
      runs.push(workflowId);
      await killed;
      await startWorkers(lab, workers);
      assert.equal((await onboardingEnded(lab, siteId)).state, 'completed');
      await assertFaultInvariants(lab, { runs, devices: { [serial]: { changes: 3, installs: 0, reboots: 0 } } });
      const versions = await lab.prisma.configVersion.findMany({ where: { device: { serial } }, orderBy: { version: 'asc' } });
      assert.deepEqual(versions.map((v) => v.version), [1, 2, 3], 'stage 1, stage 2 and the policies recorded once each');
    });
  }

  // Mid-install: the install went through but its answer was lost; the retry finds the software
  // pending the next boot rather than installing it again (hazard 8).
  const upgrades: [string, string, RpcPoint][] = [
    ['mid-install (installed, its answer lost)', 'BLS0000001', rpcPoints.midInstall],
    ['mid-reboot (the box going down)', 'BLS0000002', rpcPoints.midReboot],
  ];
  for (const [point, serial, rpc] of upgrades) {
    it(`upgrade, killed ${point}: the box installs and reboots once and ends on the new software`, async () => {
      const { lab } = faultLab;
      const imageId = await uploadImage(lab, 'SRX-SIM-4600', point.startsWith('mid-install') ? '23.2R1' : '23.4R1');
      const killed = killWorkersAt(lab, serial, rpc);
      const workflowId = await startUpgrade(lab, serial, imageId);
      runs.push(workflowId);
      await killed;
      await startWorkers(lab, workers);
      await assertFaultInvariants(lab, { runs, devices: { [serial]: { changes: 3, installs: 1, reboots: 1 } }, timeoutMs: 300_000 });
      assert.equal(lab.fleet.device(serial)!.softwareVersion(), point.startsWith('mid-install') ? '23.2R1' : '23.4R1');
    });
  }
});
