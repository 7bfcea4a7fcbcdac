// A hub whose configuration has grown (over a hundred tunnels) commits a tunnel change without
// reading its whole configuration: the change's diff and its record read only what the change
// touches (counted in the RPCs the simulated box served), and its version is an increment. The
// history still shows that version whole, diffs it, rolls back to it, and drift reconciliation
// takes the device as in sync, then finds a change made by hand, and only that change.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { diffConfigs } from '../domain/config-diff.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import type { TunnelConfig, WanLinkConfig } from '../domain/render/device-config.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { targetOf } from '../inventory/devices.ts';
import { ensureDriftSchedule } from '../scripts/drift-schedule.ts';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, type TestDatabase } from '../scripts/testing.ts';
import { asJunosKeepsIt } from '../activities/devices/drivers/junos.ts';
import { elementChildren, parseXml, serialize } from '../activities/devices/netconf/xml.ts';
import type { adoptConfiguration } from './adopt-configuration.ts';
import { deviceConfigurationWorkflowId } from './device-configuration.messages.ts';
import { driftScheduleId } from './reconcile-drift.messages.ts';
import type { tunnelChanges } from './tunnel-changes.ts';
import { requestTunnelChangeSignal, tunnelChangesQuery, tunnelChangesWorkflowId, type TunnelChangeRequest } from './tunnel-changes.messages.ts';

const wanLinks: WanLinkConfig[] = [{ name: 'internet', interfaceName: 'ge-0/0/1', address: '192.0.2.1/24', gateway: '192.0.2.254' }];
const tunnel = (unit: number): TunnelConfig => ({ name: `spoke-${unit}`, unit, peer: `203.0.113.${unit}`, localAddress: `172.16.${Math.floor(unit / 64)}.${(unit % 64) * 4 + 1}/30`, viaLink: 'internet' });

describe('a grown hub commits tunnel changes as increments', { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let deviceId: string;
  let target: DeviceTarget;
  const box = () => [...lab.fleet.devices.values()][0]!;
  const running = () => asJunosKeepsIt(serialize(box().store.running));
  const versions = () => lab.prisma.configVersion.findMany({ where: { deviceId }, orderBy: { version: 'asc' } });
  /** Someone at the box's CLI merges this and commits. */
  const handEdit = (user: string, configuration: string) => box().store.handEdit(user, elementChildren(parseXml(`<config>${configuration}</config>`).documentElement!));

  /** Asks the hub's tunnel-change queue for these edits, and waits until they are committed and recorded. */
  async function changeTunnels(edits: string[], until: (config: string) => boolean): Promise<void> {
    for (const edit of edits) {
      const request: TunnelChangeRequest = { requestId: randomUUID(), requesterWorkflowId: `test-requester/${randomUUID()}`, target, edit, purpose: 'test', source: 'onboarding' };
      await lab.client.workflow.signalWithStart<typeof tunnelChanges, [TunnelChangeRequest]>('tunnelChanges', {
        workflowId: tunnelChangesWorkflowId(target.serial), taskQueue: taskQueues.orchestration, args: [{ serial: target.serial }], signal: requestTunnelChangeSignal, signalArgs: [request],
      });
    }
    await eventually('the tunnel changes were not made and recorded', async () => {
      const [queue, lease] = await Promise.all([
        lab.client.workflow.getHandle(tunnelChangesWorkflowId(target.serial)).query(tunnelChangesQuery),
        lab.prisma.deviceLease.findUnique({ where: { serial: target.serial } }),
      ]);
      return queue.pending === 0 && !lease?.holderWorkflowId && until(running());
    }, (done) => done, 180_000);
  }

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-4600'], baseAddress: '127.180.0.1', snmpPort: 39161, netconfPort: 39830, phoneHome: false }));
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    const device = await database.prisma.device.findFirstOrThrow({ where: { serial: box().serial } });
    deviceId = device.id;
    target = targetOf(device)!;
    // The hub's WAN link, by hand, and that configuration on record whole (as adoption records it).
    handEdit('installer', '<configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>0</name><family><inet><address><name>192.0.2.1/24</name></address></inet></family></unit></interface></interfaces></configuration>');
    await (await lab.client.workflow.start<typeof adoptConfiguration>('adoptConfiguration', {
      workflowId: deviceConfigurationWorkflowId(deviceId), taskQueue: taskQueues.orchestration, args: [{ deviceId }],
    })).result();
    // Grown: 120 tunnels, in a few merged commits.
    await changeTunnels(Array.from({ length: 120 }, (_, i) => junosRenderer.tunnel(tunnel(i + 1), wanLinks).add), (config) => config.includes('tunnel to spoke-120'));
  });

  after(async () => {
    await lab?.client.schedule.getHandle(driftScheduleId).delete().catch(() => undefined);
    await lab?.stop();
    await database?.drop();
  });

  it('commits a tunnel change reading only what it touches, and records it as an increment', async () => {
    const whole = running().length;
    box().rpcsServed.length = 0;
    await changeTunnels([junosRenderer.tunnel(tunnel(121), wanLinks).add], (config) => config.includes('tunnel to spoke-121'));
    const served = box().rpcsServed;
    const reads = served.filter((rpc) => rpc.operation === 'get-config');
    assert.ok(reads.length > 0, 'the change reads its scope back');
    assert.deepEqual(reads.filter((rpc) => !rpc.filtered), [], 'no get-config without a filter: the configuration is never read whole');
    // The commit history's replies are left out: at most 50 entries, as Junos keeps, whatever the
    // hub's size, and as many as the commits the grown hub took (more on a loaded machine).
    const bytes = served.filter((rpc) => rpc.operation !== 'get-commit-information').reduce((sum, rpc) => sum + rpc.replyBytes, 0);
    assert.ok(bytes * 10 < whole, `the change read ${bytes} bytes from a ${whole}-byte configuration`);
    assert.ok(served.some((rpc) => rpc.operation === 'commit-configuration'), JSON.stringify(served.map((rpc) => rpc.operation)));

    const latest = (await versions()).at(-1)!;
    assert.equal(latest.content, null, 'an increment, not the whole configuration');
    assert.equal(latest.baseVersion, latest.version - 1);
    assert.match(latest.changedContent!, /tunnel to spoke-121/);
    assert.doesNotMatch(latest.changedContent!, /tunnel to spoke-120/);
    assert.match(latest.changedContent!, /<ascii-text>\$secret\{ike-psk\/[\d./]+\}<\/ascii-text>/, 'its key named, never written');
  });

  it('shows an increment whole and diffs it, as the device runs it', async () => {
    const latest = (await versions()).at(-1)!;
    const shown = await lab.api<{ content: string; sha256: string }>('GET', `/api/v1/devices/${deviceId}/config-versions/${latest.version}`);
    assert.equal(shown.status, 200);
    const onBox = running().replace(/<ascii-text>[^<]*<\/ascii-text>/g, '<ascii-text/>');
    assert.equal(diffConfigs(shown.body.content.replace(/<ascii-text>[^<]*<\/ascii-text>/g, '<ascii-text/>'), onBox), '', 'the rebuilt version is what the box runs');
    assert.match(shown.body.sha256, /^[0-9a-f]{64}$/);
    const diff = await lab.api<{ diff: string }>('GET', `/api/v1/devices/${deviceId}/config-versions/diff?from=${latest.version - 1}&to=${latest.version}`);
    const changed = diff.body.diff.split('\n').filter((line) => /^[+-]/.test(line));
    assert.ok(changed.length > 0 && changed.every((line) => line.startsWith('+')), diff.body.diff);
    assert.ok(changed.some((line) => line.includes('spoke-121')));
  });

  it('finds the hub in sync without reading it whole, then a change made by hand, and only it', async () => {
    await ensureDriftSchedule(lab.client, 2);
    const drift = async () => (await lab.api<{ state: string; diff: string; comparedVersion: number }>('GET', `/api/v1/devices/${deviceId}/drift`)).body;
    const latest = (await versions()).at(-1)!;
    box().rpcsServed.length = 0;
    const inSync = await eventually('no reconciliation', drift, (d) => d?.comparedVersion === latest.version, 60_000);
    assert.equal(inSync.state, 'in_sync');
    assert.deepEqual(box().rpcsServed.filter((rpc) => rpc.operation === 'get-config'), [], 'the newest commit is the one on record: nothing read');

    handEdit('alice', '<configuration><system><domain-name>by-hand.example</domain-name></system></configuration>');
    const found = await eventually('no drift seen', drift, (d) => d?.state === 'drifted', 60_000);
    const changed = found.diff.split('\n').filter((line) => /^[+-]/.test(line));
    assert.deepEqual(changed.map((line) => line.replace(/\s+/g, ' ')), ['+ <system>', '+ <domain-name>by-hand.example</domain-name>', '+ </system>'], found.diff);
    await lab.client.schedule.getHandle(driftScheduleId).delete();
  });

  it('rolls back to an increment: the box runs that version again', async () => {
    const all = await versions();
    const target = all.filter((v) => v.content === null).at(-2)!;
    const started = await lab.api<{ progressUrl: string }>('POST', `/api/v1/devices/${deviceId}/config-versions/${target.version}/rollback`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const run = await eventually('the rollback did not end', async () => (await lab.api<{ execution: string }>('GET', started.body.progressUrl)).body,
      (r) => !!r.execution && r.execution !== 'RUNNING', 120_000);
    assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));
    const shown = await lab.api<{ content: string }>('GET', `/api/v1/devices/${deviceId}/config-versions/${target.version}`);
    const withoutSecrets = (config: string) => config.replace(/<ascii-text>[^<]*<\/ascii-text>/g, '<ascii-text/>');
    assert.equal(diffConfigs(withoutSecrets(shown.body.content), withoutSecrets(running())), '');
    assert.doesNotMatch(running(), /spoke-121|by-hand\.example/);
  });
});
