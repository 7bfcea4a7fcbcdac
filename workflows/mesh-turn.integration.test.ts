// Mesh sites of a tenant take turns (the tenant's mesh lease), but a site whose box has not phoned
// home yet does not hold the turn: its box may take days to come (issue 20, hazard 7).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';
import type { OnboardingProgress } from './onboard-site.messages.ts';

const branchModel = 'SRX-SIM-300';
const serial = (n: number) => `BLS${String(n).padStart(7, '0')}`;

interface Created { id: string; activationCodes: { serial: string | null; code: string }[] }

describe('mesh onboarding turns', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: [branchModel, branchModel], baseAddress: '127.246.0.1', snmpPort: 27161, netconfPort: 27830 }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  async function meshSite(name: string, boxSerial: string, lan: number): Promise<Created> {
    const { status, body } = await lab.api<Created>('POST', '/api/v1/sites', {
      tenantId, name, timezone: 'Europe/Brussels', tags: [], topology: 'full_mesh',
      devices: [{ role: 'primary', model: branchModel, serial: boxSerial }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
      departments: ['Staff'],
      lanSegments: [{ name: 'staff', vlanId: 10, prefix: `10.${lan}.10.0/24`, department: 'Staff' }],
    });
    assert.equal(status, 201, JSON.stringify(body));
    const started = await lab.api('POST', `/api/v1/sites/${body.id}/onboarding`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return body;
  }

  const progress = async (siteId: string) => (await lab.api<OnboardingProgress>('GET', `/api/v1/sites/${siteId}/onboarding`)).body;

  it("onboards a mesh site to active while another of the tenant's still waits for its box", async () => {
    const waiting = await meshSite('Liege depot', serial(1), 1);
    // The waiting site's run takes its turn first, had it the lease from the start.
    for (let i = 0; i < 50 && (await progress(waiting.id)).steps.find((s) => s.status === 'running') === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const next = await meshSite('Namur depot', serial(2), 2);
    lab.fleet.device(serial(2))!.setActivationCode(next.activationCodes[0]!.code);

    const until = Date.now() + 150_000;
    let state = await progress(next.id);
    while (!['completed', 'failed', 'aborted'].includes(state.state) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      state = await progress(next.id);
    }
    assert.equal(state.state, 'completed', `Namur: ${JSON.stringify(state.steps)}`);
    const stored = await database.prisma.site.findUniqueOrThrow({ where: { id: next.id } });
    assert.equal(stored.status, 'active');

    const first = await progress(waiting.id);
    assert.equal(first.state, 'running', 'Liege still waits for its box');
    assert.equal(first.steps.find((s) => s.status === 'running')?.name, 'phone-home');
    assert.equal((await database.prisma.allocation.count({ where: { siteId: waiting.id } })), 0, 'nothing is allocated to a site whose box has not come');

    // Its box comes at last: it joins with Namur as its peer.
    lab.fleet.device(serial(1))!.setActivationCode(waiting.activationCodes[0]!.code);
    let joined = await progress(waiting.id);
    while (joined.state === 'running' && Date.now() < until + 120_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      joined = await progress(waiting.id);
    }
    assert.equal(joined.state, 'completed', JSON.stringify(joined.steps));
    const tunnels = lab.fleet.device(serial(1))!.interfaces().filter((i) => i.name.startsWith('st0.') && i.operUp);
    assert.equal(tunnels.length, 1, 'Liege has its tunnel to Namur');
  });
});
