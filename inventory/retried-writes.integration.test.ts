// Writes an activity makes, done twice as a retry does them after the first reached the database
// (its answer lost): each counts once (issue 20, hazard 12).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { activityAttemptKey } from '../activities/events/publish.ts';
import { seedDemo } from '../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/testing.ts';
import { recordCampaignDevice } from './campaigns.ts';
import { storeEvent } from './events.ts';
import { auditSiteEvent } from './sites.ts';

describe('retried writes', () => {
  let database: TestDatabase;
  let tenantId: string;
  let siteId: string;
  let deviceId: string;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const site = await database.prisma.site.findFirstOrThrow({ where: { devices: { some: {} } }, include: { devices: true } });
    ({ tenantId, id: siteId } = site);
    deviceId = site.devices[0]!.id;
  });
  after(async () => {
    await database?.drop();
  });

  it("recordCampaignDevice › a device's start recorded twice › counts one attempt, and a later start another", async () => {
    const image = await database.prisma.firmwareImage.create({ data: { model: 'SRX-SIM-300', version: '23.2R1', sha256: 'a'.repeat(64), sizeBytes: 1, fileName: 'x.img' } });
    const campaign = await database.prisma.upgradeCampaign.create({ data: { tenantId, name: 'retried start', imageId: image.id, filter: {} } });
    await database.prisma.campaignDevice.create({ data: { campaignId: campaign.id, deviceId, phase: 0, fromVersion: '22.4R1' } });
    const start = { campaignId: campaign.id, deviceId, status: 'upgrading' as const, started: true };
    const attempts = async () => (await database.prisma.campaignDevice.findUniqueOrThrow({ where: { campaignId_deviceId: { campaignId: campaign.id, deviceId } } })).attempts;

    await recordCampaignDevice(database.prisma, start);
    await recordCampaignDevice(database.prisma, start);
    assert.equal(await attempts(), 1);
    // Not answering: tried again later, a second attempt.
    await recordCampaignDevice(database.prisma, { campaignId: campaign.id, deviceId, status: 'pending', error: 'not answering' });
    await recordCampaignDevice(database.prisma, start);
    assert.equal(await attempts(), 2);
  });

  it('auditSiteEvent › written twice by one activity attempt › is one entry; another attempt writes its own', async () => {
    const entries = () => database.prisma.auditEntry.count({ where: { objectId: siteId, action: 'site.activated' } });
    const before = await entries();
    const activity = (activityId: string) => new MockActivityEnvironment({
      activityId, workflowExecution: { workflowId: `site-onboard/${siteId}`, runId: 'run-1' },
    });
    const write = () => auditSiteEvent(database.prisma, { tenantId, siteId, action: 'site.activated', workflowId: `site-onboard/${siteId}`, activityKey: activityAttemptKey()! });
    await activity('12').run(write);
    await activity('12').run(write);
    assert.equal(await entries(), before + 1);
    await activity('13').run(write);
    assert.equal(await entries(), before + 2);
  });

  it('storeEvent › stored twice under one key › is the first event, its deliveries made once, none for a subscription that does not want it', async () => {
    const subscription = (events: string[]) => database.prisma.webhookSubscription.create({ data: { tenantId, url: 'https://itsm.example/hooks', secret: 'whsec_x', events } });
    const sites = await subscription(['site.*']);
    await subscription(['alarm.*']);
    const inactive = await subscription(['*']);
    await database.prisma.webhookSubscription.update({ where: { id: inactive.id }, data: { active: false } });
    const key = `site-onboard/${siteId}/run-1/14/site.activated`;
    const first = await storeEvent(database.prisma, key, { tenantId, type: 'site.activated', workflowId: `site-onboard/${siteId}`, data: { siteId } });
    const again = await storeEvent(database.prisma, key, { tenantId, type: 'site.activated', workflowId: `site-onboard/${siteId}`, data: { siteId, retried: true } });

    assert.deepEqual(again.event, first.event);
    assert.deepEqual(first.event.data, { siteId });
    assert.ok(first.event.at instanceof Date);
    assert.equal(await database.prisma.domainEvent.count({ where: { key } }), 1);
    assert.equal(first.deliveryIds.length, 1);
    assert.deepEqual(again.deliveryIds, first.deliveryIds);
    const deliveries = await database.prisma.webhookDelivery.findMany({ where: { eventId: first.event.id } });
    assert.deepEqual(deliveries.map((d) => d.subscriptionId), [sites.id]);

    const tenantless = await storeEvent(database.prisma, `${key}/tenantless`, { tenantId: null, type: 'site.activated', data: {} });
    assert.equal(tenantless.event.tenantId, null);
    assert.deepEqual(tenantless.deliveryIds, []);
  });
});
