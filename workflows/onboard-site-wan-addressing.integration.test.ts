// A branch whose WAN links are not all DHCP clients, end to end: a static link and a PPPoE session,
// a LAN segment serving DHCP, onboarded through the API onto a simulated box over real NETCONF,
// then the box replaced (RMA) from the configuration on record. The PPPoE password reaches the
// boxes and nothing else: not the workflow histories, not the configuration versions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { revealNine } from '../domain/junos-nine.ts';
import { childText, parseXml } from '../activities/devices/netconf/xml.ts';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, type TestDatabase } from '../scripts/testing.ts';
import { dhcpServices } from '../simulator/dhcp-server.ts';
import { onboardingWorkflowId } from './onboard-site.messages.ts';
import { rmaWorkflowId } from './rma.messages.ts';
import { configVersionWithContent } from '../inventory/config-history.ts';

const serial = (n: number) => `BLS${String(n).padStart(7, '0')}`;
/** XML-special characters on purpose: the box must receive them escaped, and exactly. */
const password = 'Gh&nt<Pa55>';
/** The PPPoE CHAP secret a box's running configuration holds, read back from Junos's "$9$" spelling. */
const chapSecret = (config: string) => revealNine(childText(parseXml(config).getElementsByTagName('chap')[0]!, 'default-chap-secret') ?? '');

describe('onboarding a branch with static and PPPoE WAN links and a LAN segment serving DHCP', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;

  const box = (n: number) => lab.fleet.device(serial(n))!;
  const running = (n: number) => box(n).store.datastore('running').toString();
  const state = (n: number, name: string) => box(n).interfaces().find((i) => i.name === name);
  /** A run's history with its payloads as text (fetchHistory gives them in base64). */
  const history = async (workflowId: string) => JSON.stringify(await lab.client.workflow.getHandle(workflowId).fetchHistory(),
    (key, value: unknown) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));


  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-300', 'SRX-SIM-300'], baseAddress: '127.54.0.1', snmpPort: 32161, netconfPort: 32830 }));
    // Globex's branches form a full mesh, none of them active: the first comes up on its own.
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('brings the site up: the static link up with its address and route, the PPPoE session up on pp0, DHCP served in the staff segment', async () => {
    const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, name: 'Leuven depot', timezone: 'Europe/Brussels', topology: 'full_mesh',
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: serial(1) }],
      wanLinks: [
        { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 300,
          addressing: { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'] } },
        { name: 'internet', type: 'dsl', interfaceName: 'ge-0/0/1', bandwidthMbps: 200, monthlyCost: 40,
          addressing: { mode: 'pppoe', username: 'leuven@isp.example', password, authentication: 'chap' } },
        { name: 'lte', type: 'lte', interfaceName: 'dl0', bandwidthMbps: 50, monthlyCost: 25, backupOnly: true },
      ],
      departments: ['Staff'],
      lanSegments: [
        { name: 'staff', vlanId: 10, prefix: '10.77.10.0/24', department: 'Staff' },
        { name: 'cameras', vlanId: 20, prefix: '10.77.20.0/24', dhcp: false },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const siteId = created.body.id;
    assert.equal((await lab.api('POST', `/api/v1/sites/${siteId}/onboarding`, {})).status, 202);
    box(1).setActivationCode(created.body.activationCodes[0]!.code);
    const site = await eventually('the site did not settle', () => database.prisma.site.findUniqueOrThrow({ where: { id: siteId } }), (s) => s.status !== 'onboarding' && s.status !== 'planned');
    assert.equal(site.status, 'active', site.statusReason ?? '');

    const config = running(1);
    assert.match(config, /<routing-options><static><route><name>0\.0\.0\.0\/0<\/name><qualified-next-hop><name>192\.0\.2\.9<\/name><\/qualified-next-hop><\/route><\/static><\/routing-options>/);
    assert.equal(chapSecret(config), password, 'the box holds the password itself (as Junos does, spelt "$9$")');
    assert.deepEqual([state(1, 'ge-0/0/0')?.operUp, state(1, 'ge-0/0/0')?.addresses], [true, ['192.0.2.10/30']]);
    assert.equal(state(1, 'pp0.0')?.operUp, true);
    assert.match(state(1, 'pp0.0')!.addresses![0]!, /^100\.64\.\d+\.\d+\/32$/);
    assert.deepEqual(dhcpServices(parseXml(config)).map((s) => [s.interface, s.pool?.low, s.pool?.high, s.pool?.routers, s.pool?.nameServers]),
      [['irb.10', '10.77.10.2', '10.77.10.254', ['10.77.10.1'], ['9.9.9.9']]], 'the cameras segment serves none');

    // The configuration on record and every history name the password; none holds it.
    const device = await database.prisma.device.findFirstOrThrow({ where: { siteId }, include: { wanLinks: true } });
    const pppoe = device.wanLinks.find((l) => l.name === 'internet')!;
    const latest = await database.prisma.configVersion.findFirstOrThrow({ where: { deviceId: device.id }, orderBy: { version: 'desc' } });
    const version = (await configVersionWithContent(database.prisma, device.id, latest.version))!;
    assert.ok(version.content.includes(`<default-chap-secret>$secret{wan-link/${pppoe.id}/pppoe-password}</default-chap-secret>`), version.content);
    // The run provisioned the box itself: its history holds the stages' configuration.
    const text = await history(onboardingWorkflowId(siteId));
    assert.ok(text.includes('leuven@isp.example') && text.includes(`$secret{wan-link/${pppoe.id}/pppoe-password}`), 'the history names the session and its password');
    assert.ok(!text.includes('Gh&') && !text.includes('Pa55'), 'no trace of the password itself');
    assert.ok(!version.content.includes('Gh&') && !version.content.includes('Pa55'));
  });

  it('gives a replacement box the password from the configuration on record, and checks its links as they are addressed', async () => {
    const device = await database.prisma.device.findFirstOrThrow({ where: { serial: serial(1) } });
    await box(1).powerOff();
    const started = await lab.api<{ activationCode: string; workflowId: string }>('POST', `/api/v1/devices/${device.id}/rma`, { newSerial: serial(2), reason: 'water damage' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await eventually('the device was not marked in RMA', () => database.prisma.device.findUniqueOrThrow({ where: { id: device.id } }), (d) => d.status === 'rma');
    box(2).setActivationCode(started.body.activationCode);
    const done = await eventually('the replacement did not end', async () => (await lab.api<{ execution: string; state: string; error: string | null }>('GET', `/api/v1/devices/${device.id}/rma`)).body,
      (p) => !!p.execution && p.execution !== 'RUNNING');
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.equal(chapSecret(running(2)), password);
    assert.equal(state(2, 'pp0.0')?.operUp, true);
    assert.deepEqual(state(2, 'ge-0/0/0')?.addresses, ['192.0.2.10/30']);
    const text = await history(rmaWorkflowId(device.id));
    assert.ok(text.includes('$secret{wan-link/'), 'the configuration on record crossed the history');
    assert.ok(!text.includes('Gh&') && !text.includes('Pa55'), "no trace of the password in the replacement's history");
  });
});
