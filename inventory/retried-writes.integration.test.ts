// Writes an activity makes, done twice as a retry does them after the first reached the database
// (its answer lost): each counts once (issue 20, hazard 12).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { activityAttemptKey } from '../activities/events/publish.ts';
import { seedDemo } from '../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/testing.ts';
import { recordCampaignDevice } from './campaigns.ts';
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
});
