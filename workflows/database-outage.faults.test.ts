// F6: PostgreSQL out of the worker's reach for over two minutes (a TCP proxy in front of it, every
// connection closed and new ones refused, as a restart of the server does) between a device
// change and its record, and in the middle of an upgrade campaign: the runs wait for the database
// and complete, every change is recorded as a version, each device changed once, and no
// allocation is released. The time from the database's return to the next progress is reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import { onboardingEnded, secondsToProgress, startFaultLab, startCampaignUntil, startHubOnboarding, type FaultLab } from '../scripts/fault-lab.ts';
import { startTcpProxy, type TcpProxy } from '../scripts/tcp-proxy.ts';
import { eventually, testServices } from '../scripts/testing.ts';

/** Longer than a device write's five attempts (about 75 s of backoff), which once carried the record, and over two minutes. */
const outageMs = 125_000;

describe('PostgreSQL unreachable for over two minutes', { timeout: 1_500_000 }, () => {
  let proxy: TcpProxy;
  let faultLab: FaultLab;

  before(async () => {
    const server = new URL(testServices().adminDatabaseUrl);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
    // One box to onboard; four in service for the campaign.
    faultLab = await startFaultLab('faults-database-outage', 1, {
      models: ['SRX-SIM-4600', 'SRX-SIM-300', 'SRX-SIM-300', 'SRX-SIM-300', 'SRX-SIM-300'], baseAddress: '127.249.4.1', snmpPort: 41161, netconfPort: 41830,
      workerDatabasePort: proxy.port,
    });
  });
  after(async () => {
    await faultLab?.stop();
    await proxy?.stop();
  });

  async function outage() {
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    proxy.restore();
  }

  it('between a device change and its record: completes once the database is back, each change made and recorded once, no allocation released', async () => {
    const { lab, database } = faultLab;
    const box = lab.fleet.device('BLS0000001')!;
    const journal = () => box.store.journal.map((entry) => entry.kind);
    // Slow replies keep the change's activity busy a moment after its confirm: the cut lands before its record.
    box.faults.replyDelayMs = 300;
    const { siteId, workflowId } = await startHubOnboarding(faultLab, 'Oslo hub', 'BLS0000001');

    // Stage 1 committed and confirmed: the database goes away before its record.
    await eventually('stage 1 confirmed', async () => journal(), (kinds) => kinds.length >= 2, 120_000);
    const allocations = await database.prisma.allocation.count({ where: { siteId } });
    assert.ok(allocations > 0, 'the site holds allocations');
    proxy.cut();
    assert.deepEqual(journal(), ['confirmed-commit', 'confirm']);
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    box.faults.replyDelayMs = 0;
    proxy.restore();
    console.log(`F6 PostgreSQL outage mid-onboarding, recovery to progress: ${(await secondsToProgress(lab)).toFixed(1)} s (down ${outageMs / 1000} s)`);

    assert.equal((await onboardingEnded(lab, siteId)).state, 'completed');
    assert.deepEqual(journal(), ['confirmed-commit', 'confirm', 'confirmed-commit', 'confirm', 'confirmed-commit', 'confirm'], 'each change committed and confirmed once');
    await assertFaultInvariants(lab, { runs: [workflowId], devices: { BLS0000001: { changes: 3 } } });
    const versions = await database.prisma.configVersion.findMany({ where: { device: { serial: 'BLS0000001' } }, orderBy: { version: 'asc' } });
    assert.deepEqual(versions.map((v) => v.version), [1, 2, 3], 'stage 1, stage 2 and the policies recorded');
    assert.equal(await database.prisma.allocation.count({ where: { siteId } }), allocations, 'no allocation released');
  });

  it('mid-campaign: every device upgraded once, the campaign completed', async () => {
    const { lab } = faultLab;
    const serials = ['BLS0000002', 'BLS0000003', 'BLS0000004', 'BLS0000005'];
    const workflowId = await startCampaignUntil(faultLab, serials, '23.2R1', { concurrency: 2, until: 'first install' });
    await outage();
    console.log(`F6 PostgreSQL outage mid-campaign, recovery to progress: ${(await secondsToProgress(lab)).toFixed(1)} s (down ${outageMs / 1000} s)`);

    await assertFaultInvariants(lab, {
      runs: [workflowId], timeoutMs: 600_000,
      devices: Object.fromEntries(serials.map((serial) => [serial, { installs: 1, reboots: 1 }])),
    });
    for (const serial of serials) assert.equal(lab.fleet.device(serial)!.softwareVersion(), '23.2R1', serial);
  });
});
