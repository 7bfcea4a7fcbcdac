// Crashes healed with no operator when several VNFs of one uCPE fail at once, as the benchmark
// crashes them: every one restarted and healthy again within the cooldown, none left behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalogueVsrx, startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, type TestDatabase } from '../scripts/testing.ts';

const serial = 'BLS0000001';

interface Instance { id: string; name: string; status: string; healCount: number; lastOperation: string; lastOperationOutcome: string }

describe('VNF healing on a uCPE whose VNFs crash together', { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let siteId: string;
  let packageId: string;

  before(async () => {
    ({ database, lab } = await startSeededLab({
      models: ['NFX150'], baseAddress: '127.212.0.1', snmpPort: 22162, netconfPort: 22831, phoneHome: false, vnfGuests: { baseAddress: '127.212.1.1', bootMs: 1500 },
    }));
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    siteId = (await database.prisma.device.findFirstOrThrow({ where: { serial } })).siteId;
    packageId = await catalogueVsrx(lab);
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('heals both VNFs of a uCPE that crash at the same moment, each within the cooldown', async () => {
    const healing = { intervalSeconds: 2, failuresBeforeUnhealthy: 1, cooldownSeconds: 180, maxAttempts: 3, bootWaitSeconds: 60 };
    const ids: Instance[] = [];
    for (const hostName of ['fw-a', 'fw-b']) {
      const created = await lab.api<Instance>('POST', `/api/v1/sites/${siteId}/vnf-instances`, { packageId, flavour: 'small', parameters: { hostName }, healing });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      ids.push(created.body);
    }
    const read = async (id: string) => (await lab.api<Instance>('GET', `/api/v1/vnf-instances/${id}`)).body;
    for (const { id } of ids) await eventually('running', () => read(id), (i) => i.status === 'running', 60_000);
    await Promise.all(ids.map(({ name }) => fetch(`${lab.fleet.controlUrl}/devices/${serial}/vnfs/${name}/crash`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then((r) => assert.equal(r.status, 200))));
    for (const { id } of ids) {
      // Well within the cooldown (180 s) and the boot wait: a restart takes a boot and a check.
      const healed = await eventually('healed', () => read(id), (i) => i.healCount >= 1 && i.status === 'running' && i.lastOperationOutcome === 'completed', 45_000);
      assert.equal(healed.lastOperation, 'heal');
    }
    const report = await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/vnfs`)).json() as { vnfs: { name: string; state: string }[] };
    assert.deepEqual(report.vnfs.map((v) => v.state), ['running', 'running']);
  });
});
