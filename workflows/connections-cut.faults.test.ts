// F5: the worker's connections to Temporal and to PostgreSQL cut for a minute (TCP proxies in
// front of both, every connection closed and new ones refused) in the middle of an onboarding:
// it completes once they are back, each change made once and recorded, and the time from the
// recovery to the next progress is reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import { onboardingEnded, secondsToProgress, startFaultLab, startHubOnboarding, type FaultLab } from '../scripts/fault-lab.ts';
import { startTcpProxy, type TcpProxy } from '../scripts/tcp-proxy.ts';
import { eventually, testServices } from '../scripts/testing.ts';

const outageMs = 60_000;

describe('the worker cut off from Temporal and PostgreSQL for a minute', { timeout: 900_000 }, () => {
  let faultLab: FaultLab;
  let toTemporal: TcpProxy;
  let toDatabase: TcpProxy;

  before(async () => {
    const [host, port] = testServices().temporalAddress.split(':') as [string, string];
    toTemporal = await startTcpProxy({ host, port: Number(port) });
    const { adminDatabaseUrl } = testServices();
    const database = new URL(adminDatabaseUrl);
    toDatabase = await startTcpProxy({ host: database.hostname, port: Number(database.port) });
    faultLab = await startFaultLab('faults-connections-cut', 1, {
      models: ['SRX-SIM-4600'], baseAddress: '127.249.2.1', snmpPort: 41161, netconfPort: 41830,
      workerEnv: { TEMPORAL_ADDRESS: `127.0.0.1:${toTemporal.port}` }, workerDatabasePort: toDatabase.port,
    });
  });
  after(async () => {
    await faultLab?.stop();
    await toTemporal?.stop();
    await toDatabase?.stop();
  });

  it('completes once the connections are back, each change made once and recorded', async () => {
    const { lab } = faultLab;
    const box = lab.fleet.device('BLS0000001')!;
    const { siteId, workflowId } = await startHubOnboarding(faultLab, 'Oslo hub', 'BLS0000001');

    // Stage 1 committed and confirmed: both connections go.
    await eventually('stage 1 confirmed', async () => box.store.journal.length, (entries) => entries >= 2, 180_000);
    toTemporal.cut();
    toDatabase.cut();
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    toTemporal.restore();
    toDatabase.restore();
    console.log(`F5 recovery to progress: ${(await secondsToProgress(lab)).toFixed(1)} s after a ${outageMs / 1000} s cut`);

    assert.equal((await onboardingEnded(lab, siteId)).state, 'completed');
    await assertFaultInvariants(lab, { runs: [workflowId], devices: { BLS0000001: { changes: 3 } } });
  });
});
